#include "audit/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/parse.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "common/file_util.h"
#include "common/log.h"

namespace kms::audit {
namespace {

// How often an append checks that `path` is still the file it writes to: a log file that was
// moved away or replaced must not silently receive records nobody will find.
constexpr auto kIdentityCheckEvery = std::chrono::milliseconds(200);
// A record is a few hundred bytes; the last complete one is within this much of the end.
constexpr int64_t kTailBytes = 64 * 1024;

struct ChainPosition {
  uint64_t seq = 0;
  std::string prev = std::string(kGenesisPrev);
};

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// The file's last `kTailBytes`; `complete` tells whether it ends with a newline.
StatusOr<std::string> ReadTail(const std::string& path, bool& complete) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Unavailable(Errno("cannot read audit log", path));
  struct stat st {};
  std::string tail;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    const int64_t from = std::max<int64_t>(0, st.st_size - kTailBytes);
    tail.resize(static_cast<size_t>(st.st_size - from));
    const ssize_t n = ::pread(fd, tail.data(), tail.size(), from);
    tail.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  ::close(fd);
  complete = tail.empty() || tail.back() == '\n';
  return tail;
}

// The position after the last complete record of `path`; nullopt when it holds none.
std::optional<ChainPosition> LastRecordOf(const std::string& path, bool& partial) {
  bool complete = true;
  StatusOr<std::string> tail = ReadTail(path, complete);
  partial = !complete;
  if (!tail.ok()) return std::nullopt;
  std::string_view t = *tail;
  if (!complete) t = t.substr(0, t.rfind('\n') == std::string_view::npos ? 0 : t.rfind('\n') + 1);
  if (t.empty()) return std::nullopt;
  t.remove_suffix(1);
  const size_t start = t.rfind('\n');
  std::string_view line = start == std::string_view::npos ? t : t.substr(start + 1);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  const boost::json::value* seq = (!ec && v.is_object()) ? v.get_object().if_contains("seq") : nullptr;
  if (seq == nullptr || !seq->is_number()) return std::nullopt;
  ChainPosition pos;
  pos.seq = seq->to_number<uint64_t>();
  pos.prev = LineHash(line);
  return pos;
}

std::string Padded(uint64_t seq) {
  std::string s = std::to_string(seq);
  return std::string(s.size() < 20 ? 20 - s.size() : 0, '0') + s;
}

// The newest rotated file beside `path` (<path>.<20 digits>), or "".
std::string NewestRotated(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  const std::string prefix = p.filename().string() + ".";
  std::string best;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(p.parent_path().empty() ? "." : p.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != prefix.size() + 20 || name.compare(0, prefix.size(), prefix) != 0) continue;
    if (name.find_first_not_of("0123456789", prefix.size()) != std::string::npos) continue;
    if (name > best) best = name;
  }
  return best.empty() ? "" : (p.parent_path() / best).string();
}

void SyncDirectoryOf(const std::string& path) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

struct AuditLog::State {
  int fd = -1;
  dev_t dev = 0;
  ino_t ino = 0;
  ChainPosition pos;
  int64_t file_bytes = 0;
  int64_t since_checkpoint = 0;
  std::chrono::steady_clock::time_point next_identity_check;
  std::unique_ptr<crypto::HmacSha256Key> key;
  std::string dk_id;
  bool closed = false;
  bool failing = false;  // the last write failed (logged once per outage)
};

StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const AuditLogOptions& options,
                                                   const Clock& clock) {
  if (options.path.empty()) return Status::InvalidArgument("audit log path is empty");
  if (options.checkpoint_every < 1 || options.checkpoint_interval_ms < 10 ||
      options.max_file_bytes < 4096) {
    return Status::InvalidArgument(
        "audit log: checkpoint_every >= 1, checkpoint_interval_ms >= 10 and max_file_bytes >= "
        "4096 are required");
  }
  auto state = std::make_unique<State>();
  bool partial = false;
  std::optional<ChainPosition> pos;
  if (FileExists(options.path)) pos = LastRecordOf(options.path, partial);
  if (partial) {
    // Kept as it is, for verify to report; the chain goes on after its last whole record.
    const uint64_t last = pos ? pos->seq : 0;
    const std::string aside = options.path + "." + Padded(last);
    if (::rename(options.path.c_str(), aside.c_str()) != 0) {
      return Status::Unavailable(Errno("cannot move aside the damaged audit log", options.path));
    }
    log::Warn("audit.incomplete_record_moved_aside", {{"file", aside}});
  }
  if (!pos) {
    const std::string rotated = NewestRotated(options.path);
    bool ignored = false;
    if (!rotated.empty()) pos = LastRecordOf(rotated, ignored);
  }
  if (pos) state->pos = *pos;
  auto log = std::unique_ptr<AuditLog>(new AuditLog(options, clock, std::move(state)));
  {
    std::lock_guard<std::mutex> lock(log->mu_);
    KMS_RETURN_IF_ERROR(log->EnsureOpenLocked());
  }
  log->timer_ = std::thread([l = log.get()] { l->TimerLoop(); });
  return log;
}

AuditLog::AuditLog(const AuditLogOptions& options, const Clock& clock,
                   std::unique_ptr<State> state)
    : options_(options), clock_(clock), state_(std::move(state)) {}

AuditLog::~AuditLog() { Close(); }

Status AuditLog::EnsureOpenLocked() {
  State& s = *state_;
  const auto now = std::chrono::steady_clock::now();
  if (s.fd >= 0 && now < s.next_identity_check) return Status::Ok();
  s.next_identity_check = now + kIdentityCheckEvery;
  if (s.fd >= 0) {
    struct stat st {};
    if (::stat(options_.path.c_str(), &st) == 0 && st.st_dev == s.dev && st.st_ino == s.ino) {
      return Status::Ok();
    }
    log::Warn("audit.file_replaced", {{"file", options_.path}});
    ::close(s.fd);
    s.fd = -1;
  }
  const int fd = ::open(options_.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable(Errno("cannot open audit log", options_.path));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Unavailable("audit log " + options_.path + " is not a regular file");
  }
  s.fd = fd;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.file_bytes = st.st_size;
  return Status::Ok();
}

Status AuditLog::WriteLineLocked(std::string_view tail) {
  State& s = *state_;
  KMS_RETURN_IF_ERROR(EnsureOpenLocked());
  std::string line = FormatLine(s.pos.seq + 1, s.pos.prev, tail);
  const std::string hash = LineHash(line);
  line.push_back('\n');
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(s.fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string error = Errno("cannot write audit log", options_.path);
      // A torn line would break the chain for every later record: take it back.
      if (done > 0 && ::ftruncate(s.fd, s.file_bytes) != 0) {
        ::close(s.fd);
        s.fd = -1;
      }
      return Status::Unavailable(error);
    }
    done += static_cast<size_t>(n);
  }
  s.pos.seq += 1;
  s.pos.prev = hash;
  s.file_bytes += static_cast<int64_t>(line.size());
  s.since_checkpoint += 1;
  return Status::Ok();
}

Status AuditLog::CheckpointLocked() {
  State& s = *state_;
  if (!s.key || s.since_checkpoint == 0) return Status::Ok();
  KMS_ASSIGN_OR_RETURN(crypto::Sha256Digest mac,
                       s.key->Compute(AsBytes(CheckpointMacInput(s.pos.seq + 1, s.pos.prev,
                                                                 s.dk_id))));
  KMS_RETURN_IF_ERROR(
      WriteLineLocked(FormatCheckpointTail(clock_.NowMs(), s.dk_id, HexEncode(mac))));
  s.since_checkpoint = 0;
  return Status::Ok();
}

Status AuditLog::RotateLocked() {
  State& s = *state_;
  KMS_RETURN_IF_ERROR(CheckpointLocked());
  ::fsync(s.fd);
  const std::string rotated = options_.path + "." + Padded(s.pos.seq);
  if (::rename(options_.path.c_str(), rotated.c_str()) != 0) {
    return Status::Unavailable(Errno("cannot rotate audit log", options_.path));
  }
  ::close(s.fd);
  s.fd = -1;
  SyncDirectoryOf(options_.path);
  log::Info("audit.rotated", {{"file", rotated}, {"last_seq", s.pos.seq}});
  return EnsureOpenLocked();
}

Status AuditLog::Append(const Event& event) {
  const std::string tail = FormatEventTail(event, clock_.NowMs());
  std::lock_guard<std::mutex> lock(mu_);
  State& s = *state_;
  if (s.closed) return Status::Unavailable("audit log " + options_.path + " is closed");
  Status written = WriteLineLocked(tail);
  if (!written.ok()) {
    if (!s.failing) log::Error("audit.write_failed", {{"error", written.message()}});
    s.failing = true;
    return written;
  }
  if (s.failing) log::Info("audit.write_recovered", {{"file", options_.path}, {"seq", s.pos.seq}});
  s.failing = false;
  // The event is recorded: a checkpoint or rotation that fails now is retried later.
  Status after = s.since_checkpoint >= options_.checkpoint_every ? CheckpointLocked()
                                                                  : Status::Ok();
  if (after.ok() && s.file_bytes >= options_.max_file_bytes) after = RotateLocked();
  if (!after.ok()) log::Warn("audit.checkpoint_or_rotation_failed", {{"error", after.message()}});
  return Status::Ok();
}

void AuditLog::SetCheckpointKey(const SecretBytes& key, std::string dk_id) {
  auto mac = crypto::HmacSha256Key::New(key.view());
  if (!mac.ok()) {
    log::Error("audit.checkpoint_key_refused", {{"error", mac.status().message()}});
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  state_->key = std::move(mac).value();
  state_->dk_id = std::move(dk_id);
}

void AuditLog::TimerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  const auto interval = std::chrono::milliseconds(options_.checkpoint_interval_ms);
  while (!cv_.wait_for(lock, interval, [this] { return stopping_; })) {
    if (state_->closed) continue;
    Status s = CheckpointLocked();
    if (!s.ok()) log::Warn("audit.checkpoint_failed", {{"error", s.message()}});
  }
}

void AuditLog::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    State& s = *state_;
    if (!s.closed) {
      Status final_checkpoint = CheckpointLocked();
      if (!final_checkpoint.ok()) {
        log::Warn("audit.checkpoint_failed", {{"error", final_checkpoint.message()}});
      }
      if (s.fd >= 0) {
        ::fsync(s.fd);
        ::close(s.fd);
        s.fd = -1;
      }
      s.closed = true;
    }
  }
  cv_.notify_all();
  if (timer_.joinable() && timer_.get_id() != std::this_thread::get_id()) timer_.join();
}

uint64_t AuditLog::last_seq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_->pos.seq;
}

}  // namespace kms::audit

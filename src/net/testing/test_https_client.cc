#include "net/testing/test_https_client.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <chrono>
#include <exception>
#include <optional>

namespace kms::net::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::string TestHttpResponse::header(std::string_view name) const {
  auto it = headers.find(Lower(name));
  return it == headers.end() ? std::string() : it->second;
}

struct TestHttpsClient::Impl {
  explicit Impl(TestHttpsClientOptions o) : options(std::move(o)), tls(ssl::context::tls_client) {
    SSL_CTX* native = tls.native_handle();
    if (options.min_tls_version != 0) {
      SSL_CTX_set_min_proto_version(native, options.min_tls_version);
    }
    if (options.max_tls_version != 0) {
      SSL_CTX_set_max_proto_version(native, options.max_tls_version);
    }
    if (!options.cipher_list.empty()) {
      SSL_CTX_set_cipher_list(native, options.cipher_list.c_str());
    }
    if (options.ca_pem.empty()) {
      tls.set_verify_mode(ssl::verify_none);
    } else {
      boost::system::error_code ec;
      tls.add_certificate_authority(asio::buffer(options.ca_pem), ec);
      tls.set_verify_mode(ssl::verify_peer);
    }
  }

  // Runs one asynchronous operation to completion with the per-operation timeout. Driving
  // async operations (rather than blocking calls) is what makes the timeout possible.
  template <typename Start>
  beast::error_code Run(Start&& start) {
    std::optional<beast::error_code> result;
    beast::get_lowest_layer(*stream).expires_after(std::chrono::milliseconds(options.timeout_ms));
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result.value_or(asio::error::timed_out);
  }

  Status Connect() {
    if (stream) return Status::Ok();
    boost::system::error_code ec;
    asio::ip::address address = asio::ip::make_address(options.host, ec);
    if (ec) return Status::InvalidArgument("bad host " + options.host);
    stream = std::make_unique<Stream>(ioc, tls);
    buffer.clear();
    const std::string sni = address.is_loopback() ? "localhost" : options.host;
    SSL_set_tlsext_host_name(stream->native_handle(), sni.c_str());
    if (!options.ca_pem.empty()) stream->set_verify_callback(ssl::host_name_verification(sni));
    tcp::endpoint ep(address, options.port);
    ec = Run([&](auto handler) {
      beast::get_lowest_layer(*stream).async_connect(ep, std::move(handler));
    });
    if (ec) {
      stream.reset();
      return Status::Unavailable("connect: " + ec.message());
    }
    ec = Run([&](auto handler) {
      stream->async_handshake(ssl::stream_base::client, std::move(handler));
    });
    if (ec) {
      stream.reset();
      return Status::Unavailable("TLS handshake: " + ec.message());
    }
    ++opened;
    return Status::Ok();
  }

  void Close() {
    if (!stream) return;
    boost::system::error_code ec;
    beast::get_lowest_layer(*stream).socket().close(ec);
    stream.reset();
    // Drop handlers of the closed socket so the next Run starts clean.
    ioc.restart();
    ioc.run();
  }

  Status Write(std::string_view bytes) {
    beast::error_code ec = Run([&](auto handler) {
      asio::async_write(*stream, asio::buffer(bytes.data(), bytes.size()), std::move(handler));
    });
    if (ec) return Status::Unavailable("write: " + ec.message());
    return Status::Ok();
  }

  // `head` reads the answer to a HEAD request, which has headers but no body.
  StatusOr<TestHttpResponse> Read(bool head = false) {
    if (!stream) return Status::FailedPrecondition("not connected");
    http::response_parser<http::string_body> parser;
    parser.skip(head);
    parser.body_limit(64 * 1024 * 1024);
    beast::error_code ec =
        Run([&](auto handler) { http::async_read(*stream, buffer, parser, std::move(handler)); });
    if (ec) {
      Close();
      return Status::Unavailable("read: " + ec.message());
    }
    http::response<http::string_body> res = parser.release();
    TestHttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      out.headers[Lower(field.name_string())] = std::string(field.value());
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) Close();
    return out;
  }

  TestHttpsClientOptions options;
  asio::io_context ioc;
  ssl::context tls;
  std::unique_ptr<Stream> stream;
  beast::flat_buffer buffer;
  int opened = 0;
};

TestHttpsClient::TestHttpsClient(uint16_t port)
    : TestHttpsClient([port] {
        TestHttpsClientOptions o;
        o.port = port;
        return o;
      }()) {}

TestHttpsClient::TestHttpsClient(TestHttpsClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

TestHttpsClient::~TestHttpsClient() { impl_->Close(); }

StatusOr<TestHttpResponse> TestHttpsClient::Send(std::string_view method, std::string_view target,
                                                 std::string_view body,
                                                 std::string_view content_type,
                                                 const Headers& extra_headers) {
  KMS_RETURN_IF_ERROR(impl_->Connect());
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "localhost");
  if (!content_type.empty()) req.set(http::field::content_type, content_type);
  for (const auto& [name, value] : extra_headers) req.set(name, value);
  req.body() = std::string(body);
  req.prepare_payload();
  if (method == "GET" && body.empty()) req.erase(http::field::content_length);

  beast::error_code ec =
      impl_->Run([&](auto handler) { http::async_write(*impl_->stream, req, std::move(handler)); });
  StatusOr<TestHttpResponse> response = impl_->Read(method == "HEAD");
  if (ec && !response.ok()) {
    return Status::Unavailable("write: " + ec.message() + "; " + response.status().message());
  }
  return response;
}

Status TestHttpsClient::SendRaw(std::string_view bytes) {
  KMS_RETURN_IF_ERROR(impl_->Connect());
  return impl_->Write(bytes);
}

StatusOr<TestHttpResponse> TestHttpsClient::ReadResponse() { return impl_->Read(); }

Status TestHttpsClient::Connect() { return impl_->Connect(); }

void TestHttpsClient::Close() { impl_->Close(); }

bool TestHttpsClient::connected() const { return impl_->stream != nullptr; }

int TestHttpsClient::connections_opened() const { return impl_->opened; }

std::string TestHttpsClient::tls_version() const {
  if (!impl_->stream) return "";
  return SSL_get_version(impl_->stream->native_handle());
}

bool TestHttpsClient::WaitForPeerClose() {
  if (!impl_->stream) return true;
  char byte;
  beast::error_code ec = impl_->Run([&](auto handler) {
    impl_->stream->async_read_some(asio::buffer(&byte, 1), std::move(handler));
  });
  const bool closed = ec && ec != asio::error::timed_out && ec != beast::error::timeout;
  impl_->Close();
  return closed;
}

}  // namespace kms::net::testing

#pragma once
// Clang's thread-safety analysis (-Wthread-safety): attributes that let the compiler check
// that a member documented as guarded by a mutex is only touched with that mutex held. They
// expand to nothing under other compilers; the clang build (scripts/sanitize.sh) makes a
// violation an error. Use them with kms::Mutex / kms::MutexLock (common/mutex.h): std::mutex
// carries no annotations in libstdc++.

#if defined(__clang__)
#define KMS_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define KMS_THREAD_ANNOTATION(x)
#endif

#define KMS_CAPABILITY(name) KMS_THREAD_ANNOTATION(capability(name))
#define KMS_SCOPED_CAPABILITY KMS_THREAD_ANNOTATION(scoped_lockable)
#define KMS_GUARDED_BY(mu) KMS_THREAD_ANNOTATION(guarded_by(mu))
#define KMS_PT_GUARDED_BY(mu) KMS_THREAD_ANNOTATION(pt_guarded_by(mu))
#define KMS_REQUIRES(...) KMS_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define KMS_ACQUIRE(...) KMS_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define KMS_RELEASE(...) KMS_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define KMS_EXCLUDES(...) KMS_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))

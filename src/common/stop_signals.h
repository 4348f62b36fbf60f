#pragma once
// How the daemons stop: SIGTERM and SIGINT are blocked in every thread and taken by the main
// thread with sigwait, so no handler runs at an arbitrary point of a worker.

#include <signal.h>

namespace kms {

// Blocks SIGTERM and SIGINT in the calling thread (and so in every thread it creates after
// this call) and ignores SIGPIPE. Call first thing in main, before any thread starts.
inline sigset_t BlockStopSignals() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return stop;
}

// Blocks SIGHUP in the calling thread (and every thread it creates after this call), so that
// the thread that reloads configuration can take it with sigtimedwait and it never ends the
// process. Call first thing in main, before any thread starts.
inline void BlockReloadSignal() {
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &hup, nullptr);
}

// Waits for one of the signals BlockStopSignals blocked; returns its name.
inline const char* WaitForStopSignal(const sigset_t& stop) {
  int sig = 0;
  sigwait(&stop, &sig);
  return sig == SIGTERM ? "SIGTERM" : "SIGINT";
}

}  // namespace kms

// The mutex every component uses, and the annotations that let the
// compiler check what it guards.
//
// A member declared `GODWIT_GUARDED_BY(mu_)` may only be touched with
// `mu_` held; a function declared `GODWIT_REQUIRES(mu_)` only be called
// with it held. clang checks both under -Wthread-safety (scripts/test.sh
// --thread-safety); elsewhere the annotations expand to nothing, and the
// types are std::mutex and std::condition_variable with no cost added.
// Checked comments, not hopeful ones: a member a thread reads without the
// lock is a compile error in that build, not a line in a review.
//
// Thread-safety: Mutex and CondVar are what they wrap; MutexLock is a
// value of one thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define GODWIT_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define GODWIT_THREAD_ANNOTATION(x)
#endif

#define GODWIT_CAPABILITY(x) GODWIT_THREAD_ANNOTATION(capability(x))
#define GODWIT_SCOPED_CAPABILITY GODWIT_THREAD_ANNOTATION(scoped_lockable)
#define GODWIT_GUARDED_BY(x) GODWIT_THREAD_ANNOTATION(guarded_by(x))
#define GODWIT_PT_GUARDED_BY(x) GODWIT_THREAD_ANNOTATION(pt_guarded_by(x))
#define GODWIT_REQUIRES(...) GODWIT_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define GODWIT_ACQUIRE(...) GODWIT_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define GODWIT_TRY_ACQUIRE(...) GODWIT_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define GODWIT_RELEASE(...) GODWIT_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define GODWIT_EXCLUDES(...) GODWIT_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define GODWIT_ASSERT_HELD(x) GODWIT_THREAD_ANNOTATION(assert_capability(x))
#define GODWIT_NO_THREAD_SAFETY_ANALYSIS GODWIT_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace godwit {

class GODWIT_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() GODWIT_ACQUIRE() { mu_.lock(); }
  bool TryLock() GODWIT_TRY_ACQUIRE(true) { return mu_.try_lock(); }
  void Unlock() GODWIT_RELEASE() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds `mu` from construction to the end of the scope.
class GODWIT_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) GODWIT_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() GODWIT_RELEASE() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// A condition variable over a Mutex the caller holds. There are no
// predicate overloads on purpose: the analysis cannot see that a lambda
// runs with the lock held, so callers loop (`while (!ready_) cv_.Wait(mu_);`)
// and every guarded read stays checked.
class CondVar {
 public:
  // Releases `mu` while blocked; holds it again on return, which may be
  // spurious.
  void Wait(Mutex& mu) GODWIT_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }

  // As Wait, for at most until `deadline`. Returns false once it has passed.
  bool WaitUntil(Mutex& mu, std::chrono::steady_clock::time_point deadline) GODWIT_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    std::cv_status st = cv_.wait_until(lock, deadline);
    lock.release();
    return st == std::cv_status::no_timeout;
  }

  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace godwit

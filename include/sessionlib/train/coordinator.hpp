// sl::train::Coordinator: TF's tf.train.Coordinator, which lets threads stop
// together and reports the first error one of them hit.
//
//     sl::train::Coordinator coord;
//     auto threads = sl::train::start_queue_runners(sess, coord);
//     try {
//       while (!coord.should_stop()) sess.run(train_op);
//     } catch (const sl::out_of_range&) {}   // the input queue was closed and drained
//     coord.request_stop();
//     coord.join(threads);                   // re-raises an error a runner thread reported
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "../core/error.hpp"

namespace sessionlib::train {

/// Coordinates the stop of a set of threads (tf.train.Coordinator).
class Coordinator {
 public:
  Coordinator() = default;
  Coordinator(const Coordinator&) = delete;
  Coordinator& operator=(const Coordinator&) = delete;

  /// True once a stop was requested.
  bool should_stop() const {
    std::lock_guard lock(m_);
    return stop_;
  }

  /// Requests that the threads stop.
  void request_stop() {
    std::lock_guard lock(m_);
    stop_ = true;
    cv_.notify_all();
  }
  /// Requests a stop because of `e`; the first such error is re-raised by join(),
  /// unless it is a clean stop (sl::out_of_range: an input exhausted), as TF's
  /// clean_stop_exception_types.
  void request_stop(std::exception_ptr e) {
    std::lock_guard lock(m_);
    if (e && !error_ && !clean_stop(e)) error_ = e;
    stop_ = true;
    cv_.notify_all();
  }

  /// Clears a stop request and a recorded error, so the coordinator can be used again.
  void clear_stop() {
    std::lock_guard lock(m_);
    stop_ = false;
    joined_ = false;
    error_ = nullptr;
  }

  /// Waits until a stop is requested or `timeout` passed (negative: no bound); true if stopped.
  bool wait_for_stop(std::chrono::milliseconds timeout = std::chrono::milliseconds{-1}) const {
    std::unique_lock lock(m_);
    if (timeout.count() < 0) {
      cv_.wait(lock, [&] { return stop_; });
      return true;
    }
    return cv_.wait_for(lock, timeout, [&] { return stop_; });
  }

  /// Runs `f()`; an exception it throws requests a stop with it (TF's stop_on_exception).
  template <class F>
  void stop_on_exception(F&& f) {
    try {
      std::forward<F>(f)();
    } catch (...) {
      request_stop(std::current_exception());
    }
  }

  /// Re-raises the error recorded by request_stop, if any.
  void raise_requested_exception() const {
    std::exception_ptr e;
    {
      std::lock_guard lock(m_);
      e = error_;
    }
    if (e) std::rethrow_exception(e);
  }

  /// Joins `threads` (all of them, whatever happens) and then re-raises the first
  /// error a thread reported with request_stop. The threads must end once a stop
  /// is requested, as queue runners' do; TF's grace period is not needed since
  /// a stop cancels the runners' blocked enqueues.
  void join(std::vector<std::thread>& threads) {
    for (auto& t : threads)
      if (t.joinable()) t.join();
    threads.clear();
    {
      std::lock_guard lock(m_);
      joined_ = true;
    }
    raise_requested_exception();
  }
  /// True once join() has returned or thrown.
  bool joined() const {
    std::lock_guard lock(m_);
    return joined_;
  }

 private:
  static bool clean_stop(std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const out_of_range&) {
      return true;
    } catch (...) {
      return false;
    }
  }

  mutable std::mutex m_;
  mutable std::condition_variable cv_;
  bool stop_ = false;
  bool joined_ = false;
  std::exception_ptr error_;
};

}  // namespace sessionlib::train

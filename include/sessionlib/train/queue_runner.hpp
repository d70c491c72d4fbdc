// sl::train::QueueRunner: TF's tf.train.QueueRunner, threads that run a queue's
// enqueue ops until the queue is closed or the coordinator stops them, and
// start_queue_runners, which starts those of the graph's "queue_runners"
// collection.
//
//     sl::train::QueueRunner qr(q, {q.enqueue(std::tuple{x, y})}, /*threads per op*/ 2);  // or {enq, enq}
//     sl::train::add_queue_runner(qr);
//     sl::train::Coordinator coord;
//     auto threads = sl::train::start_queue_runners(sess, coord);
//     ...
//     coord.request_stop();   // the runners' blocked enqueues are cancelled (cancel_op)
//     coord.join(threads);    // and an error a runner hit is re-raised here
//
// As TF's: an enqueue that fails because the queue was closed (sl::out_of_range,
// sl::cancelled) ends its thread, and the last one to end runs the close op;
// any other error is reported to the coordinator, which stops every thread.
#pragma once

#include <any>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "../ops/queue.hpp"
#include "../session/session.hpp"
#include "coordinator.hpp"

namespace sessionlib::train {

/// TF's GraphKeys.QUEUE_RUNNERS.
inline constexpr const char* queue_runners_key = "queue_runners";

/// Threads that run a queue's enqueue ops (tf.train.QueueRunner). Copies share
/// the same runner (its count of live threads per session and its errors).
class QueueRunner {
 public:
  /// Runs each of `enqueue_ops` in its own thread; closes `queue` when the
  /// last ends, and cancels its pending enqueues when the coordinator stops.
  QueueRunner(const queue_handle& queue, std::vector<Operation> enqueue_ops)
      : QueueRunner(queue, std::move(enqueue_ops), queue.close(), queue.close(true)) {}
  /// As above, with the close and cancel ops given (TF's close_op, cancel_op).
  QueueRunner(const queue_handle& queue, std::vector<Operation> enqueue_ops, Operation close_op, Operation cancel_op)
      : queue_(queue), enqueue_ops_(std::move(enqueue_ops)), close_op_(close_op), cancel_op_(cancel_op),
        shared_(std::make_shared<shared>()) {}

  const queue_handle& queue() const noexcept { return queue_; }
  /// The queue's name (TF's qr.name).
  const std::string& name() const { return queue_.name(); }
  const std::vector<Operation>& enqueue_ops() const noexcept { return enqueue_ops_; }
  Operation close_op() const noexcept { return close_op_; }
  Operation cancel_op() const noexcept { return cancel_op_; }

  /// Starts one thread per enqueue op, and with a coordinator one more that
  /// runs the cancel op once a stop is requested. `coord` must outlive the
  /// threads (join them with coord->join); without one, errors other than the
  /// queue's closing end the thread and are kept in exceptions_raised().
  std::vector<std::thread> create_threads(const Session& sess, Coordinator* coord = nullptr) const {
    {
      std::lock_guard lock(shared_->m);
      shared_->runs[sess.impl().get()] += static_cast<int>(enqueue_ops_.size());
    }
    std::vector<std::thread> threads;
    for (const Operation& op : enqueue_ops_) threads.emplace_back([*this, sess, coord, op] { run(sess, coord, op); });
    if (coord) threads.emplace_back([*this, sess, coord] { close_on_stop(sess, *coord); });
    return threads;
  }

  /// Errors raised in threads run without a coordinator.
  std::vector<std::exception_ptr> exceptions_raised() const {
    std::lock_guard lock(shared_->m);
    return shared_->raised;
  }

 private:
  struct shared {
    std::mutex m;
    std::unordered_map<const void*, int> runs;  // live enqueue threads per session
    std::vector<std::exception_ptr> raised;
  };

  void run(Session sess, Coordinator* coord, Operation op) const {
    try {
      for (;;) {
        if (coord && coord->should_stop()) break;
        try {
          sess.run(op);
        } catch (const out_of_range&) {
          return closed(sess);
        } catch (const cancelled&) {
          return closed(sess);
        }
      }
    } catch (...) {
      if (coord) {
        coord->request_stop(std::current_exception());
      } else {
        std::lock_guard lock(shared_->m);
        shared_->raised.push_back(std::current_exception());
      }
    }
    std::lock_guard lock(shared_->m);
    --shared_->runs[sess.impl().get()];
  }

  /// An enqueue found the queue closed: the thread ends, and the last one closes the queue.
  void closed(Session& sess) const {
    bool last = false;
    {
      std::lock_guard lock(shared_->m);
      last = --shared_->runs[sess.impl().get()] == 0;
    }
    if (!last) return;
    try {
      sess.run(close_op_);
    } catch (const std::exception&) {  // ignored, as TF's: it may be closed already
    }
  }

  void close_on_stop(Session sess, const Coordinator& coord) const {
    coord.wait_for_stop();
    try {
      sess.run(cancel_op_);
    } catch (const std::exception&) {  // ignored, as TF's (the session may be closed)
    }
  }

  queue_handle queue_;
  std::vector<Operation> enqueue_ops_;
  Operation close_op_, cancel_op_;
  std::shared_ptr<shared> shared_;
};

/// Adds `qr` to the graph's collection `key` (tf.train.add_queue_runner).
inline void add_queue_runner(const QueueRunner& qr, const std::string& key = queue_runners_key) {
  qr.queue().graph().add_to_object_collection(key, qr);
}

/// The queue runners in collection `key` of graph `g`.
inline std::vector<QueueRunner> queue_runners(const Graph& g, const std::string& key = queue_runners_key) {
  std::vector<QueueRunner> out;
  for (const std::any& a : g.object_collection(key))
    if (const auto* qr = std::any_cast<QueueRunner>(&a)) out.push_back(*qr);
  return out;
}

/// Starts the threads of every queue runner of the session's graph
/// (tf.train.start_queue_runners); join them with coord.join(threads).
inline std::vector<std::thread> start_queue_runners(const Session& sess, Coordinator& coord,
                                                    const std::string& key = queue_runners_key) {
  std::vector<std::thread> threads;
  for (const QueueRunner& qr : queue_runners(sess.graph(), key))
    for (std::thread& t : qr.create_threads(sess, &coord)) threads.push_back(std::move(t));
  return threads;
}

}  // namespace sessionlib::train

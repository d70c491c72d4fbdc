// Queues across threads (issue 14), in the 'concurrency' suite that CI runs
// under ThreadSanitizer: producers and consumers on several threads where every
// element enqueued is dequeued exactly once, session close during blocked ops,
// close with pending enqueues, a pool of inter-op threads that blocked ops must
// not starve, and queue runners with a coordinator. No timed assertions.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <sessionlib/ops/linalg.hpp>
#include <sessionlib/ops/queue.hpp>
#include <sessionlib/ops/reduce.hpp>
#include <sessionlib/train/queue_runner.hpp>

#include "session_test.hpp"

using namespace std::chrono_literals;

TEST_CASE("3 producer and 3 consumer threads: every element dequeued exactly once") {
  sl::Graph g;
  sl::FIFOQueue<std::int64_t, sl::shape<>> q(g, 4);
  auto v = sl::placeholder<std::int64_t, sl::shape<>>(g, "v");
  auto enq = q.enqueue(v);
  auto one = q.dequeue();
  auto some = q.dequeue_up_to(3);
  sl::Session s(g);
  constexpr int per = 150;
  std::mutex m;
  std::multiset<std::int64_t> seen;
  std::vector<std::thread> producers, consumers;
  for (int p = 0; p < 3; ++p)
    producers.emplace_back([&, p] {
      for (std::int64_t i = 0; i < per; ++i) s.run(enq, {{v, p * per + i}});
    });
  for (int c = 0; c < 3; ++c)
    consumers.emplace_back([&, c] {
      try {
        for (;;) {
          if (c == 0) {
            xt::xtensor<std::int64_t, 1> got = s.run(some);
            std::lock_guard lock(m);
            seen.insert(got.begin(), got.end());
          } else {
            const std::int64_t got = s.run(one);
            std::lock_guard lock(m);
            seen.insert(got);
          }
        }
      } catch (const sl::out_of_range&) {  // closed and drained
      }
    });
  for (auto& t : producers) t.join();
  s.run(q.close());
  for (auto& t : consumers) t.join();
  CHECK(seen.size() == 3 * per);
  bool once = true;
  for (std::int64_t i = 0; i < 3 * per; ++i) once = once && seen.count(i) == 1;
  CHECK(once);
}

TEST_CASE("Session::close wakes every op blocked on a queue: nothing is left waiting") {
  sl::Graph g;
  sl::FIFOQueue<std::int32_t, sl::shape<>> empty(g, 2), full(g, 1);
  auto deq = empty.dequeue();
  auto enq = full.enqueue(1);
  sl::Session s(g);
  s.run(enq);  // full is full
  std::atomic<int> ended{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; ++i)
    ts.emplace_back([&, i] {
      try {
        if (i % 2) s.run(deq);
        else s.run(enq);
      } catch (const sl::error& e) {
        // sl::cancelled from the queue, or session_closed if it came late.
        if (e.code() == sl::error_code::cancelled) ++ended;
      }
    });
  std::this_thread::sleep_for(10ms);  // most likely blocked by now; correct either way
  s.close();
  for (auto& t : ts) t.join();
  CHECK(ended == 4);
}

TEST_CASE("close(cancel_pending_enqueues) fails blocked enqueues; the rest drains once") {
  sl::Graph g;
  sl::FIFOQueue<std::int64_t, sl::shape<>> q(g, 2);
  auto v = sl::placeholder<std::int64_t, sl::shape<>>(g, "v");
  auto enq = q.enqueue(v);
  auto deq = q.dequeue();
  sl::Session s(g);
  std::atomic<int> accepted{0}, refused{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 5; ++i)
    ts.emplace_back([&, i] {
      try {
        s.run(enq, {{v, std::int64_t{i}}});
        ++accepted;
      } catch (const sl::cancelled&) {
        ++refused;  // "Enqueue operation was cancelled", or the queue "is closed."
      }
    });
  std::this_thread::sleep_for(10ms);
  s.run(q.close(true));
  for (auto& t : ts) t.join();
  CHECK(accepted + refused == 5);
  int drained = 0;
  try {
    for (;;) {
      s.run(deq);
      ++drained;
    }
  } catch (const sl::out_of_range&) {
  }
  CHECK(drained == accepted);  // every accepted element comes out once; the refused were reported
}

TEST_CASE("blocked dequeues do not starve the inter-op pool") {
  // inter_op_threads = 2 and a heavy plan beside the dequeues: the plans with a
  // blocking op run on their callers' threads, so the enqueues still get through.
  sl::Graph g;
  sl::FIFOQueue<float, sl::shape<64, 64>> q(g, 1);
  auto x = sl::placeholder<float, sl::shape<64, 64>>(g, "x");
  auto enq = q.enqueue(sl::matmul(x, x) + sl::matmul(x, x));
  auto deq = q.dequeue();
  auto total = sl::reduce_sum(sl::matmul(deq, deq) + sl::matmul(deq, deq));
  sl::SessionConfig cfg;
  cfg.inter_op_threads = 2;
  cfg.intra_op_threads = 1;
  sl::Session s(g, cfg);
  std::vector<std::thread> consumers;
  std::atomic<int> got{0};
  for (int c = 0; c < 3; ++c)
    consumers.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        (void)s.run(total);
        ++got;
      }
    });
  xt::xtensor<float, 2> ones = xt::ones<float>({64, 64});
  for (int i = 0; i < 15; ++i) s.run(enq, {{x, ones}});
  for (auto& t : consumers) t.join();
  CHECK(got == 15);
}

TEST_CASE("QueueRunner threads fill a queue; the coordinator stops and joins them") {
  sl::Graph g;
  sl::Variable<std::int64_t, sl::shape<>> counter(g, 0, "counter");
  sl::FIFOQueue<std::int64_t, sl::shape<>> q(g, 3);
  auto enq = q.enqueue(counter.assign_add(1));
  sl::train::add_queue_runner(sl::train::QueueRunner(q, {enq, enq}));
  CHECK(sl::train::queue_runners(g).size() == 1);
  auto deq = q.dequeue();
  sl::Session s(g);
  s.run(counter.initializer());
  sl::train::Coordinator coord;
  auto threads = sl::train::start_queue_runners(s, coord);
  CHECK(threads.size() == 3);  // two enqueue threads and the one that cancels on stop
  std::set<std::int64_t> seen;
  for (int i = 0; i < 20; ++i) seen.insert(s.run(deq));
  CHECK(seen.size() == 20);  // each counter value once
  coord.request_stop();
  CHECK_NOTHROW(coord.join(threads));
  CHECK(coord.joined());
  CHECK(s.run(q.is_closed()));
}

TEST_CASE("Coordinator::join re-raises the error a runner thread reported") {
  sl::Graph g;
  sl::Variable<std::int64_t, sl::shape<>> never(g, 0, "never_initialized");
  sl::FIFOQueue<std::int64_t, sl::shape<>> q(g, 3);
  sl::train::QueueRunner qr(q, {q.enqueue(never.tensor() * std::int64_t{1})});
  sl::Session s(g);
  sl::train::Coordinator coord;
  auto threads = qr.create_threads(s, &coord);
  coord.wait_for_stop();  // the runner's error requested the stop
  CHECK_THROWS_WITH_AS(coord.join(threads), doctest::Contains("Attempting to use uninitialized value never_initialized"),
                       sl::failed_precondition);
}

TEST_CASE("a runner whose queue is closed ends, and the coordinator's stop is clean") {
  sl::Graph g;
  sl::FIFOQueue<std::int32_t, sl::shape<>> q(g, 2);
  sl::train::QueueRunner qr(q, {q.enqueue(1)});
  auto deq = q.dequeue();
  sl::Session s(g);
  sl::train::Coordinator coord;
  auto threads = qr.create_threads(s, &coord);
  (void)s.run(deq);
  s.run(q.close(true));
  int drained = 0;
  try {
    for (;;) {
      (void)s.run(deq);
      ++drained;
    }
  } catch (const sl::out_of_range&) {
    coord.request_stop(std::current_exception());  // a clean stop: join raises nothing
  }
  CHECK(drained <= 2);
  CHECK_NOTHROW(coord.join(threads));
}

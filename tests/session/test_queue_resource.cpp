// The queue resource alone (runtime/queue.hpp), without a graph: the lines of
// waiting enqueues and dequeues, close, cancellation and deadlines, and many
// producers and consumers where every element comes out exactly once. In the
// 'concurrency' suite (ThreadSanitizer in CI). No assertion on time: deadlines
// only bound waits.
#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include <sessionlib/runtime/queue.hpp>

namespace sl = sessionlib;
using namespace std::chrono_literals;

namespace {
sl::queue_spec spec(sl::queue_kind kind, std::int64_t capacity) {
  sl::queue_spec s;
  s.kind = kind;
  s.name = "_0_q";
  s.op = "FIFOQueueV2";
  s.capacity = capacity;
  s.seed = 1;
  s.seed2 = 2;
  s.types = {sl::dtype::int64};
  s.shapes = {{}};
  return s;
}
sl::any_array scalar(std::int64_t v) {
  sl::any_array a(sl::dtype::int64, sl::dims{});
  *a.data<std::int64_t>() = v;
  return a;
}
void put(sl::queue_resource& q, std::int64_t v, const sl::queue_wait& w = {}) {
  const sl::any_array a = scalar(v);
  const sl::any_array* p = &a;
  q.enqueue(&p, 1, false, w);
}
std::int64_t take(sl::queue_resource& q, const sl::queue_wait& w = {}) {
  return q.dequeue(1, false, false, w).at(0).parts.at(0).scalar<std::int64_t>();
}
sl::queue_wait bounded(const std::atomic<bool>* cancelled = nullptr,
                       std::chrono::milliseconds t = std::chrono::milliseconds{20}) {
  return {cancelled, std::chrono::steady_clock::now() + t, t, "op"};
}
}  // namespace

TEST_CASE("a dequeue waits for an enqueue from another thread") {
  sl::queue_resource q(spec(sl::queue_kind::fifo, 2));
  std::thread producer([&] {
    for (std::int64_t i = 0; i < 50; ++i) put(q, i);
  });
  for (std::int64_t i = 0; i < 50; ++i) CHECK(take(q) == i);
  producer.join();
}

TEST_CASE("a dequeue of more than the capacity takes elements as they come") {
  sl::queue_resource q(spec(sl::queue_kind::fifo, 2));
  std::thread producer([&] {
    for (std::int64_t i = 0; i < 7; ++i) put(q, i);
  });
  auto got = q.dequeue(7, true, false, {});
  producer.join();
  REQUIRE(got.size() == 7);
  for (std::int64_t i = 0; i < 7; ++i) CHECK(got[static_cast<std::size_t>(i)].parts[0].scalar<std::int64_t>() == i);
}

TEST_CASE("timeouts bound blocked ops and lose nothing") {
  sl::queue_resource q(spec(sl::queue_kind::fifo, 1));
  CHECK_THROWS_AS(take(q, bounded()), sl::deadline_exceeded);
  put(q, 5);
  CHECK_THROWS_AS(put(q, 6, bounded()), sl::deadline_exceeded);
  // A dequeue of 3 that got 1 and gave up put it back.
  CHECK_THROWS_AS(q.dequeue(3, true, false, bounded()), sl::deadline_exceeded);
  CHECK(q.size() == 1);
  CHECK(take(q) == 5);
}

TEST_CASE("cancellation wakes every blocked op of the session") {
  sl::queue_resource q(spec(sl::queue_kind::fifo, 1));
  put(q, 1);
  std::atomic<bool> cancelled{false};
  std::atomic<int> cancelled_ops{0};
  std::vector<std::thread> ts;
  sl::queue_wait w{&cancelled, std::chrono::steady_clock::time_point::max(), {}, "op"};
  for (int i = 0; i < 3; ++i)
    ts.emplace_back([&] {
      try {
        put(q, 2, w);
      } catch (const sl::cancelled& e) {
        if (std::string(e.what()) == "Enqueue operation was cancelled") ++cancelled_ops;
      }
    });
  sl::queue_resource empty(spec(sl::queue_kind::fifo, 1));
  for (int i = 0; i < 3; ++i)
    ts.emplace_back([&] {
      try {
        take(empty, w);
      } catch (const sl::cancelled& e) {
        if (std::string(e.what()) == "Dequeue operation was cancelled") ++cancelled_ops;
      }
    });
  // The ops may or may not be waiting yet: either way each sees the flag.
  cancelled.store(true);
  q.wake_all();
  empty.wake_all();
  for (auto& t : ts) t.join();
  CHECK(cancelled_ops == 6);
}

TEST_CASE("close drains, then out_of_range; close(cancel_pending_enqueues) fails blocked enqueues") {
  sl::queue_resource q(spec(sl::queue_kind::fifo, 1));
  put(q, 1);
  std::atomic<int> cancelled_enqueues{0};
  std::thread blocked([&] {
    try {
      put(q, 2);
    } catch (const sl::cancelled& e) {
      if (std::string(e.what()) == "Enqueue operation was cancelled" ||
          std::string(e.what()) == "FIFOQueue '_0_q' is closed.")
        ++cancelled_enqueues;
    }
  });
  q.close(true, {});
  blocked.join();
  CHECK(cancelled_enqueues == 1);
  CHECK(take(q) == 1);
  CHECK_THROWS_WITH_AS(take(q), "FIFOQueue '_0_q' is closed and has insufficient elements (requested 1, current size 0)",
                       sl::out_of_range);
  CHECK_THROWS_WITH_AS(put(q, 3), "FIFOQueue '_0_q' is closed.", sl::cancelled);
  CHECK_THROWS_WITH_AS(q.close(false, {}), "Queue '_0_q' is already closed.", sl::cancelled);
}

TEST_CASE("4 producers and 4 consumers: every element dequeued exactly once") {
  for (auto kind : {sl::queue_kind::fifo, sl::queue_kind::random_shuffle, sl::queue_kind::priority}) {
    sl::queue_spec s = spec(kind, 8);
    s.min_after_dequeue = kind == sl::queue_kind::random_shuffle ? 3 : 0;
    sl::queue_resource q(s);
    constexpr int per = 250;
    std::vector<std::thread> ts;
    std::mutex m;
    std::multiset<std::int64_t> seen;
    for (int p = 0; p < 4; ++p)
      ts.emplace_back([&, p] {
        for (int i = 0; i < per; ++i) put(q, p * per + i);
      });
    for (int c = 0; c < 4; ++c)
      ts.emplace_back([&, c] {
        try {
          for (;;) {
            auto got = (c % 2) ? q.dequeue(3, true, true, {}) : q.dequeue(1, false, false, {});
            std::lock_guard lock(m);
            for (auto& e : got) seen.insert(e.parts[0].scalar<std::int64_t>());
          }
        } catch (const sl::out_of_range&) {
        }
      });
    for (int p = 0; p < 4; ++p) ts[static_cast<std::size_t>(p)].join();
    q.close(false, {});
    for (std::size_t c = 4; c < ts.size(); ++c) ts[c].join();
    CHECK(seen.size() == 4 * per);
    bool once = true;
    for (std::int64_t v = 0; v < 4 * per; ++v) once = once && seen.count(v) == 1;
    CHECK(once);
  }
}

TEST_CASE("recycled elements are refilled in place and carry the new values") {
  // A string component (constructed elements) and a padded one whose shape
  // varies from enqueue to enqueue: a refill must resize, not reuse blindly.
  sl::queue_spec s = spec(sl::queue_kind::padding_fifo, -1);
  s.op = "PaddingFIFOQueueV2";
  s.types = {sl::dtype::string, sl::dtype::float32};
  s.shapes = {{}, {-1}};
  sl::queue_resource q(s);
  auto enqueue_batch = [&](std::size_t rows, std::size_t width, float base) {
    sl::any_array names(sl::dtype::string, sl::dims{rows});
    sl::any_array values(sl::dtype::float32, sl::dims{rows, width});
    for (std::size_t i = 0; i < rows; ++i) {
      names.data<std::string>()[i] = "row " + std::to_string(base + static_cast<float>(i)) + std::string(40, 'x');
      for (std::size_t j = 0; j < width; ++j) values.data<float>()[i * width + j] = base + static_cast<float>(i * width + j);
    }
    const sl::any_array* parts[] = {&names, &values};
    q.enqueue(parts, 2, true, {});
  };
  enqueue_batch(4, 3, 0.f);
  auto first = q.dequeue(4, true, false, {});
  REQUIRE(first.size() == 4);
  std::set<const void*> buffers;
  for (const auto& e : first) buffers.insert(e.parts[1].raw());
  q.recycle(first);
  CHECK(first.empty());

  enqueue_batch(4, 2, 100.f);  // narrower rows: the recycled buffers are large enough
  auto second = q.dequeue(4, true, false, {});
  REQUIRE(second.size() == 4);
  std::size_t reused = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const auto& e = second[i];
    reused += buffers.count(e.parts[1].raw());
    CHECK(e.parts[0].dtype() == sl::dtype::string);
    CHECK(e.parts[0].scalar<std::string>() == "row " + std::to_string(100.f + static_cast<float>(i)) + std::string(40, 'x'));
    REQUIRE(e.parts[1].shape() == sl::dims{2});
    CHECK(e.parts[1].data<float>()[0] == 100.f + static_cast<float>(2 * i));
    CHECK(e.parts[1].data<float>()[1] == 101.f + static_cast<float>(2 * i));
  }
  CHECK(reused == 4);
  q.recycle(second);

  enqueue_batch(2, 5, 200.f);  // wider rows than any recycled buffer: new ones, same values
  auto third = q.dequeue(2, true, false, {});
  REQUIRE(third.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    REQUIRE(third[i].parts[1].shape() == sl::dims{5});
    for (std::size_t j = 0; j < 5; ++j)
      CHECK(third[i].parts[1].data<float>()[j] == 200.f + static_cast<float>(i * 5 + j));
  }
}

TEST_CASE("elements still shared elsewhere are not recycled") {
  sl::queue_resource q(spec(sl::queue_kind::fifo, -1));
  put(q, 1);
  auto got = q.dequeue(1, true, false, {});
  const sl::any_array kept = got[0].parts[0];  // a second owner of the buffer
  q.recycle(got);
  put(q, 2);
  CHECK(take(q) == 2);
  CHECK(kept.scalar<std::int64_t>() == 1);  // not overwritten by the refill
}

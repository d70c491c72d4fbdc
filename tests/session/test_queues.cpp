// Queues through the session (issue 14): typed handles, FIFO order, shuffling
// with a seed, padding, priorities, close and TF's messages, timeouts, state per
// session and shared_name. The threaded cases are in test_queue_threads.cpp.
#include <algorithm>
#include <regex>
#include <set>
#include <thread>

#include <sessionlib/ops/queue.hpp>

#include "message_of.hpp"
#include "session_test.hpp"

using namespace std::chrono_literals;

namespace {
using session_test::message_of;
bool matches(const std::string& s, const std::string& re) { return std::regex_match(s, std::regex(re)); }
}  // namespace

TEST_CASE("FIFOQueue: typed components, values in order, dequeue_many and dequeue_up_to") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<3>>(g, "x");
  auto y = sl::placeholder<std::int64_t, sl::shape<>>(g, "y");
  sl::FIFOQueue<std::tuple<float, std::int64_t>, std::tuple<sl::shape<3>, sl::shape<>>> q(g, 10);
  CHECK(q.name() == "fifo_queue");
  auto enq = q.enqueue(std::tuple{x, y});
  CHECK(g.at(enq.id()).name == "fifo_queue_enqueue");
  auto [a, b] = q.dequeue();
  static_assert(std::is_same_v<decltype(a), sl::Tensor<float, sl::shape<3>>>);
  static_assert(std::is_same_v<decltype(b), sl::Tensor<std::int64_t, sl::shape<>>>);
  auto [as, bs] = q.dequeue_many(2);
  static_assert(std::is_same_v<decltype(as), sl::Tensor<float, sl::shape<sl::dyn, 3>>>);
  static_assert(std::is_same_v<decltype(bs), sl::Tensor<std::int64_t, sl::shape<sl::dyn>>>);
  auto [as2, bs2] = q.dequeue_many<2>();
  static_assert(std::is_same_v<decltype(as2), sl::Tensor<float, sl::shape<2, 3>>>);
  auto [au, bu] = q.dequeue_up_to(4);
  auto size = q.size();
  auto closed = q.is_closed();

  sl::Session s(g);
  for (std::int64_t i = 0; i < 7; ++i) {
    xt::xtensor<float, 1> v = {float(i), float(i) + 0.5f, -float(i)};
    s.run(enq, {{x, v}, {y, i}});
  }
  CHECK(s.run(size) == 7);
  auto [v0, l0] = s.run(std::tuple{a, b});
  CHECK(l0 == 0);
  CHECK(v0 == xt::xtensor<float, 1>{0.f, 0.5f, -0.f});
  auto [m, lm] = s.run(std::tuple{as, bs});
  CHECK(lm == xt::xtensor<std::int64_t, 1>{1, 2});
  CHECK(m == xt::xtensor<float, 2>{{1.f, 1.5f, -1.f}, {2.f, 2.5f, -2.f}});
  auto [m2, lm2] = s.run(std::tuple{as2, bs2});
  CHECK(lm2 == xt::xtensor<std::int64_t, 1>{3, 4});
  CHECK(m2.shape(0) == 2);
  CHECK(s.run(size) == 2);
  CHECK_FALSE(s.run(closed));
  s.run(q.close());
  CHECK(s.run(closed));
  // Closed with 2 left: up_to returns what is left, then the queue is drained.
  auto [mu, lu] = s.run(std::tuple{au, bu});
  CHECK(lu == xt::xtensor<std::int64_t, 1>{5, 6});
  CHECK(mu.shape(0) == 2);
  CHECK(matches(message_of<sl::out_of_range>([&, t = b] { s.run(t); }),
                R"(FIFOQueue '_\d+_fifo_queue' is closed and has insufficient elements \(requested 1, current size 0\)(\n.*)?)"));
  CHECK(matches(message_of<sl::out_of_range>([&, t = bu] { s.run(t); }),
                R"(FIFOQueue '_\d+_fifo_queue' is closed and has insufficient elements \(requested 4, current size 0\)(\n.*)?)"));
  CHECK(matches(message_of<sl::cancelled>([&] { s.run(enq, {{x, xt::xtensor<float, 1>{1, 2, 3}}, {y, 9}}); }),
                R"(FIFOQueue '_\d+_fifo_queue' is closed\.(\n.*)?)"));
  CHECK(matches(message_of<sl::cancelled>([&] { s.run(q.close()); }), R"(Queue '_\d+_fifo_queue' is already closed\.(\n.*)?)"));
}

TEST_CASE("enqueue_many, one-component queues, scalars, and TF's shape messages") {
  sl::Graph g;
  sl::FIFOQueue<std::int32_t, sl::shape<>> q(g, -1);
  auto many = sl::placeholder<std::int32_t, sl::shape<sl::dyn>>(g, "many");
  auto enq_many = q.enqueue_many(many);
  auto enq_one = q.enqueue(7);
  auto one = q.dequeue();
  static_assert(std::is_same_v<decltype(one), sl::Tensor<std::int32_t, sl::shape<>>>);
  auto three = q.dequeue_many(3);
  sl::Session s(g);
  s.run(enq_many, {{many, xt::xtensor<std::int32_t, 1>{4, 5, 6}}});
  s.run(enq_one);
  CHECK(s.run(one) == 4);
  CHECK(s.run(three) == xt::xtensor<std::int32_t, 1>{5, 6, 7});

  // A component with a dyn dimension takes elements of any size there.
  sl::FIFOQueue<float, sl::shape<sl::dyn, 2>> d(g, 4);
  auto dq = sl::placeholder<float, sl::shape<sl::dyn, 2>>(g, "dq");
  auto enq_d = d.enqueue(dq);
  s.run(enq_d, {{dq, xt::xtensor<float, 2>{{1, 2}}}});
  s.run(enq_d, {{dq, xt::xtensor<float, 2>{{1, 2}, {3, 4}}}});
  CHECK(s.run(d.dequeue()).shape(0) == 1);
  CHECK(s.run(d.dequeue()).shape(0) == 2);
  // enqueue_many: the batch's static dimensions are checked at run time with TF's message.
  sl::FIFOQueue<float, sl::shape<2>> f(g, 4);
  auto pairs = sl::placeholder<float, sl::shape<sl::dyn, sl::dyn>>(g, "pairs");
  auto enq_f_many = f.enqueue_many(pairs);
  CHECK(matches(message_of<sl::invalid_argument>([&] { s.run(enq_f_many, {{pairs, xt::xtensor<float, 2>{{1, 2, 3}}}}); }),
                R"(Shape mismatch in tuple component 0\. Expected \[1,2\], got \[1,3\](\n.*)?)"));
  CHECK_NOTHROW(s.run(enq_f_many, {{pairs, xt::xtensor<float, 2>{{1, 2}, {3, 4}}}}));
  CHECK(s.run(f.size()) == 2);
}

TEST_CASE("RandomShuffleQueue: a seeded permutation that respects min_after_dequeue") {
  auto draw = [](std::uint64_t seed) {
    sl::Graph g;
    sl::RandomShuffleQueue<std::int64_t, sl::shape<>> q(g, 100, 5, {.seed = seed});
    CHECK(q.name() == "random_shuffle_queue");
    auto v = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "v");
    auto enq = q.enqueue_many(v);
    auto one = q.dequeue();
    sl::Session s(g);
    s.run(enq, {{v, xt::arange<std::int64_t>(20)}});
    std::vector<std::int64_t> out;
    for (int i = 0; i < 15; ++i) out.push_back(s.run(one));  // 20 - 15 = 5 remain
    // min_after_dequeue: with 5 left and the queue open, the next dequeue waits.
    sl::RunOptions bounded;
    bounded.timeout = 30ms;
    CHECK_THROWS_AS(s.run(one, {}, bounded), sl::deadline_exceeded);
    s.run(q.close());
    for (int i = 0; i < 5; ++i) out.push_back(s.run(one));  // closed: the rest drains
    CHECK_THROWS_WITH_AS(
        s.run(one),
        doctest::Contains("RandomShuffleQueue '_"),
        sl::out_of_range);
    return out;
  };
  const auto a = draw(7), b = draw(7), c = draw(8);
  CHECK(a == b);
  CHECK(a != c);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::int64_t> expected(20);
  for (std::int64_t i = 0; i < 20; ++i) expected[static_cast<std::size_t>(i)] = i;
  CHECK(sorted == expected);
  CHECK(a != expected);
}

TEST_CASE("PaddingFIFOQueue: dequeue_many pads each component to the batch's largest with zeros") {
  sl::Graph g;
  sl::PaddingFIFOQueue<std::tuple<float, std::int32_t>, std::tuple<sl::shape<sl::dyn, 2>, sl::shape<sl::dyn>>> q(g, 8);
  CHECK(q.name() == "padding_fifo_queue");
  auto m = sl::placeholder<float, sl::shape<sl::dyn, 2>>(g, "m");
  auto l = sl::placeholder<std::int32_t, sl::shape<sl::dyn>>(g, "l");
  auto enq = q.enqueue(std::tuple{m, l});
  auto [ms, ls] = q.dequeue_many(2);
  static_assert(std::is_same_v<decltype(ms), sl::Tensor<float, sl::shape<sl::dyn, sl::dyn, 2>>>);
  sl::Session s(g);
  s.run(enq, {{m, xt::xtensor<float, 2>{{1, 2}}}, {l, xt::xtensor<std::int32_t, 1>{1, 2, 3}}});
  s.run(enq, {{m, xt::xtensor<float, 2>{{3, 4}, {5, 6}, {7, 8}}}, {l, xt::xtensor<std::int32_t, 1>{4}}});
  auto [mv, lv] = s.run(std::tuple{ms, ls});
  CHECK(mv == xt::xtensor<float, 3>{{{1, 2}, {0, 0}, {0, 0}}, {{3, 4}, {5, 6}, {7, 8}}});
  CHECK(lv == xt::xtensor<std::int32_t, 2>{{1, 2, 3}, {4, 0, 0}});
  // A wrong static dimension is TF's message, at run time (the dyn one is fine).
  auto bad = sl::placeholder<float, sl::shape<sl::dyn, sl::dyn>>(g, "bad");
  sl::PaddingFIFOQueue<float, sl::shape<sl::dyn, 2>> q2(g, 8);
  auto enq2 = q2.enqueue(bad);
  CHECK(matches(message_of<sl::invalid_argument>([&] { s.run(enq2, {{bad, xt::xtensor<float, 2>{{1, 2, 3}}}}); }),
                R"(Shape mismatch in tuple component 0\. Expected \[\?,2\], got \[1,3\](\n.*)?)"));
  s.run(q.close());
  // One element dequeued alone is as FIFOQueue's; dequeue_many names PaddingFIFOQueue.
  CHECK(matches(message_of<sl::out_of_range>([&, t = ls] { s.run(t); }),
                R"(PaddingFIFOQueue '_\d+_padding_fifo_queue' is closed and has insufficient elements \(requested 2, current size 0\)(\n.*)?)"));
  CHECK(matches(message_of<sl::out_of_range>([&] { s.run(std::get<1>(q.dequeue())); }),
                R"(FIFOQueue '_\d+_padding_fifo_queue' is closed and has insufficient elements \(requested 1, current size 0\)(\n.*)?)"));
}

TEST_CASE("PriorityQueue: smallest priority first, ties in arrival order") {
  sl::Graph g;
  sl::PriorityQueue<std::tuple<float>, std::tuple<sl::shape<>>> q(g, 10);
  CHECK(q.name() == "priority_queue");
  auto pr = sl::placeholder<std::int64_t, sl::shape<>>(g, "pr");
  auto v = sl::placeholder<float, sl::shape<>>(g, "v");
  auto enq = q.enqueue(std::tuple{pr, v});
  auto [p1, v1] = q.dequeue();
  static_assert(std::is_same_v<decltype(p1), sl::Tensor<std::int64_t, sl::shape<>>>);
  auto [ps, vs] = q.dequeue_many(3);
  sl::Session s(g);
  const std::int64_t prios[] = {5, -2, 9, 5, 0};
  for (int i = 0; i < 5; ++i) s.run(enq, {{pr, prios[i]}, {v, float(i)}});
  auto [a, av] = s.run(std::tuple{p1, v1});
  CHECK(a == -2);
  CHECK(av == 1.f);
  auto [bp, bv] = s.run(std::tuple{ps, vs});
  CHECK(bp == xt::xtensor<std::int64_t, 1>{0, 5, 5});
  CHECK(bv == xt::xtensor<float, 1>{4.f, 0.f, 3.f});
  s.run(q.close());
  CHECK(matches(message_of<sl::out_of_range>([&, t = ps] { s.run(t); }),
                R"(PriorityQueue '_\d+_priority_queue' is closed and has insufficient elements \(requested 3, current size 1\)(\n.*)?)"));
}

TEST_CASE("queue state lives in each session; shared_name shares one queue") {
  sl::Graph g;
  sl::FIFOQueue<std::int32_t, sl::shape<>> q(g, 5);
  sl::FIFOQueue<std::int32_t, sl::shape<>> shared(g, 5, {.shared_name = "common"});
  auto enq = q.enqueue(1), enq_shared = shared.enqueue(2);
  sl::Session a(g), b(g);
  a.run(enq);
  a.run(enq_shared);
  CHECK(a.run(q.size()) == 1);
  CHECK(b.run(q.size()) == 0);
  CHECK(b.run(shared.size()) == 1);
  CHECK(b.run(shared.dequeue()) == 2);
  CHECK(a.run(shared.size()) == 0);
  // Another queue under the same name must be the same kind of queue: TF's message.
  sl::FIFOQueue<std::int32_t, sl::shape<>> other(g, 6, {.name = "other", .shared_name = "common"});
  CHECK(matches(message_of<sl::invalid_argument>([&] { b.run(other.size()); }),
                R"(Shared queue 'common' has capacity 5 but requested capacity was 6(\n.*)?)"));
}

TEST_CASE("RunOptions::timeout bounds a blocked dequeue and enqueue; nothing is lost") {
  sl::Graph g;
  sl::FIFOQueue<std::int32_t, sl::shape<>> q(g, 1);
  auto enq = q.enqueue(3);
  auto two = q.dequeue_many(2);
  sl::Session s(g);
  sl::RunOptions bounded;
  bounded.timeout = 20ms;
  CHECK_THROWS_AS(s.run(q.dequeue(), {}, bounded), sl::deadline_exceeded);
  s.run(enq);
  CHECK_THROWS_AS(s.run(enq, {}, bounded), sl::deadline_exceeded);
  CHECK_THROWS_AS(s.run(two, {}, bounded), sl::deadline_exceeded);  // took one, put it back
  CHECK(s.run(q.size()) == 1);
}

TEST_CASE("Session::close cancels a blocked dequeue with sl::cancelled") {
  sl::Graph g;
  sl::FIFOQueue<std::int32_t, sl::shape<>> q(g, 1);
  auto one = q.dequeue();
  sl::Session s(g);
  s.run(q.size());  // the queue exists
  std::string what;
  std::thread blocked([&] { what = message_of<sl::error>([&] { s.run(one); }); });
  s.close();
  blocked.join();
  // Cancelled while waiting, or refused before it started: either way the thread ended.
  CHECK((what.rfind("Dequeue operation was cancelled", 0) == 0 || what == "Attempted to use a closed Session."));
}

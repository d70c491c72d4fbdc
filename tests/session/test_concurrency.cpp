// Many threads on one session: every result checked, racing assign ops
// serialised per variable, close() while runs are in flight. CI runs this
// executable under ThreadSanitizer (suite 'concurrency').
#include <atomic>
#include <thread>
#include <vector>

#include "session_test.hpp"

namespace {
constexpr int threads = 8;

template <class F>
void in_threads(int n, F&& f) {
  std::vector<std::thread> ts;
  for (int t = 0; t < n; ++t) ts.emplace_back([&f, t] { f(t); });
  for (auto& t : ts) t.join();
}
}  // namespace

TEST_CASE("8 threads x 300 runs on one session, every result checked") {
  sl::Graph g;
  auto x = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "x");
  auto k = sl::placeholder<std::int64_t, sl::shape<>>(g, "k");
  sl::Variable<std::int64_t, sl::shape<>> base(g, 1000, "base");
  auto y = x * k + base;
  sl::Session s(g);
  s.run(base.initializer());
  auto f = s.make_callable(y, sl::feed_list(x, k));
  std::atomic<int> wrong{0}, done{0};
  in_threads(threads, [&](int t) {
    for (int i = 0; i < 300; ++i) {
      const std::size_t n = 1 + static_cast<std::size_t>((t * 7 + i) % 33);
      xt::xtensor<std::int64_t, 1> xv = xt::arange<std::int64_t>(static_cast<std::int64_t>(n));
      const std::int64_t kv = t * 1000 + i;
      xt::xtensor<std::int64_t, 1> r = (i % 2) ? s.run(y, {{x, xv}, {k, kv}}) : f(xv, kv);
      bool ok = r.size() == n;
      for (std::size_t j = 0; ok && j < n; ++j) ok = r(j) == static_cast<std::int64_t>(j) * kv + 1000;
      if (!ok) ++wrong;
      ++done;
    }
  });
  CHECK(wrong == 0);
  CHECK(done == threads * 300);
}

TEST_CASE("racing assign_add from 8 threads gives the exact total; readers never see a torn value") {
  sl::Graph g;
  sl::Variable<std::int64_t, sl::shape<>> counter(g, 0, "counter");
  sl::Variable<float, sl::shape<4096>> vec(g, 0.0f, "vec");
  auto inc = counter.assign_add(1);
  auto vinc = vec.assign_add(sl::constant(g, 1.0f) + sl::init::detail::filled<float, sl::shape<4096>>(g, 0.0f, ""));
  auto read = vec.tensor() * 1.0f;
  sl::Session s(g);
  s.run(sl::global_variables_initializer(g));
  constexpr int runs = 400;
  std::atomic<int> torn{0}, not_increasing{0};
  in_threads(threads, [&](int t) {
    std::int64_t last = 0;
    for (int i = 0; i < runs; ++i) {
      const std::int64_t now = s.run(inc);
      if (now <= last) ++not_increasing;  // each thread sees its own increments in order
      last = now;
      if (t % 2 == 0) {
        s.run(vinc);
      } else {
        xt::xtensor<float, 1> v = s.run(i % 3 ? read : vec.tensor());
        for (float e : v)
          if (e != v(0)) {
            ++torn;
            break;
          }
      }
    }
  });
  CHECK(s.run(counter) == threads * runs);
  CHECK(not_increasing == 0);
  CHECK(torn == 0);
  xt::xtensor<float, 1> v = s.run(vec);
  CHECK(v(0) == static_cast<float>(threads / 2 * runs));
  CHECK(v(4095) == v(0));
}

TEST_CASE("close() while 8 threads run: each run finishes or throws session_closed") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn>>(g, "x");
  auto y = (x + 1.0f) * 2.0f;
  sl::Variable<float, sl::shape<>> v(g, 0.0f, "v");
  auto bump = v.assign_add(1.0f);
  sl::Session s(g);
  s.run(v.initializer());
  auto f = s.make_callable(y, sl::feed_list(x));
  std::atomic<int> started{0}, closed_seen{0}, other_errors{0}, wrong{0};
  std::atomic<bool> go{true};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      xt::xtensor<float, 1> xv = xt::ones<float>({std::size_t{256}});
      ++started;
      for (int i = 0; go; ++i) {
        try {
          if (t % 3 == 0) {
            s.run(bump);
          } else {
            xt::xtensor<float, 1> r = (t % 3 == 1) ? f(xv) : s.run(y, {{x, xv}});
            if (r(255) != 4.0f) ++wrong;
          }
        } catch (const sl::session_closed&) {
          ++closed_seen;
          return;
        } catch (...) {
          ++other_errors;
          return;
        }
      }
    });
  while (started < threads) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  s.close();
  for (auto& t : ts) t.join();
  go = false;
  CHECK(closed_seen == threads);
  CHECK(other_errors == 0);
  CHECK(wrong == 0);
  CHECK_THROWS_WITH_AS(s.run(y, {{x, xt::xtensor<float, 1>{1}}}), "Attempted to use a closed Session.",
                       sl::session_closed);
}

TEST_CASE("partial runs and default sessions in parallel threads") {
  sl::Graph g;
  auto p = sl::placeholder<int, sl::shape<>>(g, "p"), q = sl::placeholder<int, sl::shape<>>(g, "q");
  auto r1 = p + q;
  auto r2 = r1 * p;
  sl::Session s(g);
  std::atomic<int> wrong{0};
  in_threads(threads, [&](int t) {
    auto scope = s.as_default();
    for (int i = 0; i < 50; ++i) {
      auto h = s.partial_run_setup(std::tuple{r1, r2}, sl::feed_list(p, q));
      if (s.partial_run(h, r1, {{p, t}, {q, i}}) != t + i) ++wrong;
      if (s.partial_run(h, r2) != (t + i) * t) ++wrong;
      if (r1.eval({{p, i}, {q, t}}) != t + i) ++wrong;
    }
  });
  CHECK(wrong == 0);
}

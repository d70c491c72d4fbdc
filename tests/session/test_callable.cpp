// make_callable: parameter types from the fed tensors, results in the fetch
// structure, feed order, options, errors, closed sessions.
#include <functional>
#include <map>

#include "session_test.hpp"

TEST_CASE("make_callable: scalars and arrays, fed in feed_list order") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "x");
  auto k = sl::placeholder<float, sl::shape<>>(g, "k");
  auto y = x * k;
  auto z = k - 1.0f;
  sl::Session s(g);
  auto f = s.make_callable(std::tuple{y, z}, sl::feed_list(x, k));
  static_assert(std::is_same_v<decltype(f), std::function<std::tuple<xt::xtensor<float, 2>, float>(
                                                const xt::xtensor<float, 2>&, float)>>);
  xt::xtensor<float, 2> xv{{1, 2, 3}, {4, 5, 6}};
  auto [a, b] = f(xv, 2.0f);
  CHECK(a == xt::xtensor<float, 2>{{2, 4, 6}, {8, 10, 12}});
  CHECK(b == 1.0f);
  auto [c, d] = f(xt::xtensor<float, 2>{{1, 1, 1}}, -1.0f);  // another batch size, same plan
  CHECK(c == xt::xtensor<float, 2>{{-1, -1, -1}});
  CHECK(d == -2.0f);

  SUBCASE("the parameter order is the feed_list's, not the graph's") {
    auto g2 = s.make_callable(y, sl::feed_list(k, x));
    static_assert(std::is_same_v<decltype(g2), std::function<xt::xtensor<float, 2>(float, const xt::xtensor<float, 2>&)>>);
    CHECK(g2(3.0f, xv) == xt::xtensor<float, 2>{{3, 6, 9}, {12, 15, 18}});
  }
  SUBCASE("a wrong run-time shape is the run's error") {
    CHECK_THROWS_WITH_AS(f(xt::xtensor<float, 2>{{1, 2}}, 1.0f),
                         "Cannot feed value of shape (1, 2) for Tensor 'x:0', which has shape (?, 3)",
                         sl::invalid_argument);
  }
  SUBCASE("an unfed placeholder") {
    auto h = s.make_callable(y, sl::feed_list(x));
    CHECK_THROWS_WITH_AS(h(xv), "You must feed a value for placeholder tensor 'k' with dtype float and shape ()",
                         sl::invalid_argument);
  }
  SUBCASE("feeding one tensor twice") {
    CHECK_THROWS_WITH_AS(s.make_callable(y, sl::feed_list(k, x, k)), "Tensor 'k:0' is fed more than once",
                         sl::invalid_argument);
  }
  SUBCASE("structures, operations and names") {
    sl::Variable<float, sl::shape<>> v(g, 0.0f, "v");
    auto step = v.assign_add(k);
    s.run(v.initializer());
    auto h = s.make_callable(std::map<std::string, sl::Tensor<float, sl::shape<>>>{{"step", step}, {"z", z}},
                             sl::feed_list(k));
    for (int i = 1; i <= 3; ++i) {
      auto r = h(2.0f);
      CHECK(r.at("step") == 2.0f * static_cast<float>(i));
      CHECK(r.at("z") == 1.0f);
    }
    auto op = s.make_callable(std::tuple{v.initializer(), std::string("v:0")}, sl::feed_list());
    static_assert(std::is_same_v<decltype(op), std::function<std::tuple<sl::none_t, sl::any_array>()>>);
    CHECK(std::get<1>(op()).as<float, 0>()() == 0.0f);
  }
  SUBCASE("a closed session") {
    s.close();
    CHECK_THROWS_WITH_AS(f(xv, 1.0f), "Attempted to use a closed Session.", sl::session_closed);
    CHECK_THROWS_AS(s.make_callable(y, sl::feed_list(x, k)), sl::session_closed);
  }
}

TEST_CASE("make_callable with accept_options: options and metadata per call") {
  sl::Graph g;
  auto a = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "a");
  auto b = a + a;
  auto c = b * a;
  sl::Session s(g);
  auto f = s.make_callable(c, sl::feed_list(a), sl::accept_options);
  static_assert(std::is_same_v<decltype(f), std::function<xt::xtensor<std::int64_t, 1>(
                                                const xt::xtensor<std::int64_t, 1>&, const sl::RunOptions&,
                                                sl::RunMetadata*)>>);
  sl::RunOptions opts;
  opts.trace_level = sl::RunOptions::TraceLevel::full_trace;
  sl::RunMetadata md;
  CHECK(f(xt::xtensor<std::int64_t, 1>{1, 2, 3}, opts, &md) == xt::xtensor<std::int64_t, 1>{2, 8, 18});
  REQUIRE(!md.step_stats.empty());  // one step per node, or per fused chain of them
  bool saw_c = false;
  for (const auto& st : md.step_stats) saw_c = saw_c || st.node_name == c.op_name();
  CHECK(saw_c);
  sl::RunMetadata none;
  CHECK(f(xt::xtensor<std::int64_t, 1>{1}, sl::RunOptions{}, &none) == xt::xtensor<std::int64_t, 1>{2});
  CHECK(none.step_stats.empty());
}

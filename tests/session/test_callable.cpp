// make_callable: parameter types from the fed tensors, results in the fetch
// structure, feed order, options, errors, closed sessions; the sl::callable it
// returns takes other expressions of the right dtype and rank, and converts to
// the std::function of its signature.
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
  static_assert(std::is_same_v<decltype(f), sl::callable<std::tuple<xt::xtensor<float, 2>, float>(
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
    static_assert(std::is_same_v<decltype(g2), sl::callable<xt::xtensor<float, 2>(float, const xt::xtensor<float, 2>&)>>);
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
    static_assert(std::is_same_v<decltype(op), sl::callable<std::tuple<sl::none_t, sl::any_array>()>>);
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
  static_assert(std::is_same_v<decltype(f), sl::callable<xt::xtensor<std::int64_t, 1>(
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

TEST_CASE("sl::callable: expressions of the parameter's dtype and rank, std::function, run-time ranks") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 2>>(g, "x");
  auto k = sl::placeholder<double, sl::shape<>>(g, "k");
  auto y = x * 2.0f;
  auto z = k + 1.0;
  sl::Session s(g);
  auto f = s.make_callable(std::tuple{y, z}, sl::feed_list(x, k));
  const xt::xtensor<float, 2> xv{{1, 2}, {3, 4}};
  SUBCASE("the exact parameter types, a const array, a converting scalar") {
    auto [a, b] = f(xv, 1.5f);  // float to double: no narrowing
    CHECK(a == xt::xtensor<float, 2>{{2, 4}, {6, 8}});
    CHECK(b == 2.5);
  }
  SUBCASE("an xtensor expression and an adapted buffer of the same dtype and rank") {
    CHECK(std::get<0>(f(xv + 1.0f, 0.0)) == xt::xtensor<float, 2>{{4, 6}, {8, 10}});
    std::vector<float> buf{1, 1, 2, 2, 3, 3};
    CHECK(std::get<0>(f(xt::adapt(buf, std::array<std::size_t, 2>{3, 2}), 0.0)) ==
          xt::xtensor<float, 2>{{2, 2}, {4, 4}, {6, 6}});
  }
  SUBCASE("an xarray: its rank is checked when called") {
    xt::xarray<float> good = xv;
    CHECK(std::get<0>(f(good, 0.0)) == xt::xtensor<float, 2>{{2, 4}, {6, 8}});
    xt::xarray<float> bad = xt::ones<float>({2, 2, 2});
    CHECK_THROWS_WITH_AS(f(bad, 0.0), "Cannot feed value of shape (2, 2, 2) for Tensor 'x:0', which has shape (?, 2)",
                         sl::invalid_argument);
  }
  SUBCASE("it converts to the std::function of its signature") {
    std::function<std::tuple<xt::xtensor<float, 2>, double>(const xt::xtensor<float, 2>&, double)> fn = f;
    CHECK(std::get<1>(fn(xv, 2.0)) == 3.0);
    CHECK(std::get<1>(f.function()(xv, 3.0)) == 4.0);
    CHECK(static_cast<bool>(f));
    CHECK_FALSE(static_cast<bool>(decltype(f){}));
  }
}

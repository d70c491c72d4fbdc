// Variables: initial values (scalars, arrays, initializers), assign ops, values
// private to each session, initializers, collections and the error messages.
#include <cmath>
#include <string>

#include "session_test.hpp"

TEST_CASE("DESIGN: foo lives in each session") {
  sl::Graph g;
  sl::Variable<int, sl::shape<>> foo(g, 42, "foo");
  auto init = sl::global_variables_initializer(g);
  auto assign = foo.assign(13);
  sl::Session sess(g);
  sess.run(init);
  CHECK(sess.run(assign) == 13);
  CHECK(sess.run(foo) == 13);
  sl::Session sess2(g);
  CHECK_THROWS_WITH_AS(sess2.run(foo), "Attempting to use uninitialized value foo", sl::failed_precondition);
  try {
    sess2.run(foo);
  } catch (const sl::failed_precondition& e) {
    CHECK(e.node() == "foo");
    CHECK(e.code() == sl::error_code::failed_precondition);
  }
  sl::Session sess3(g);
  sess3.run(init);
  CHECK(sess3.run(foo) == 42);
  CHECK(sess.run(foo) == 13);
}

TEST_CASE_TEMPLATE("a scalar fills the static shape; assign, assign_add, assign_sub yield the new value", T, float,
                   double, std::int32_t, std::int64_t) {
  sl::Graph g;
  sl::Variable<T, sl::shape<2, 3>> v(g, 5, "v");
  static_assert(sl::TensorLike<decltype(v)>);
  static_assert(std::is_same_v<sl::fetch_result_t<decltype(v)>, xt::xtensor<T, 2>>);
  auto add = v.assign_add(2);
  auto sub = v.assign_sub(sl::constant<sl::shape<2, 3>>(g, xt::xtensor<T, 2>{{1, 2, 3}, {4, 5, 6}}));
  auto set = v.assign(sl::constant<sl::shape<2, 3>>(g, xt::xtensor<T, 2>{{0, 1, 0}, {1, 0, 1}}));
  static_assert(std::is_same_v<decltype(add), sl::Tensor<T, sl::shape<2, 3>>>);
  sl::Session s(g);
  s.run(v.initializer());
  xt::xtensor<T, 2> x = s.run(v);
  CHECK(x == xt::xtensor<T, 2>{{5, 5, 5}, {5, 5, 5}});
  CHECK(x.shape() == std::array<std::size_t, 2>{2, 3});
  CHECK(s.run(add) == xt::xtensor<T, 2>{{7, 7, 7}, {7, 7, 7}});
  CHECK(s.run(add) == xt::xtensor<T, 2>{{9, 9, 9}, {9, 9, 9}});
  CHECK(s.run(sub) == xt::xtensor<T, 2>{{8, 7, 6}, {5, 4, 3}});
  CHECK(s.run(v) == xt::xtensor<T, 2>{{8, 7, 6}, {5, 4, 3}});
  CHECK(s.run(set) == xt::xtensor<T, 2>{{0, 1, 0}, {1, 0, 1}});
  CHECK(s.run(v) == xt::xtensor<T, 2>{{0, 1, 0}, {1, 0, 1}});
  auto r = s.run("v:0");
  CHECK(r.dtype() == sl::dtype_of<T>);
  CHECK(r.shape() == sl::dims{2, 3});
}

TEST_CASE("an xtensor initial value gives the dynamic dimensions") {
  sl::Graph g;
  sl::Variable<float, sl::shape<sl::dyn, 2>> v(g, xt::xtensor<float, 2>{{1, 2}, {3, 4}, {5, 6}}, "v");
  auto twice = v * 2.0f;
  sl::Session s(g);
  s.run(sl::global_variables_initializer(g));
  CHECK(s.run(twice) == xt::xtensor<float, 2>{{2, 4}, {6, 8}, {10, 12}});
  SUBCASE("assign a value of another fitting shape") {
    xt::xtensor<float, 2> nv{{7, 8}};
    auto p = sl::placeholder<float, sl::shape<sl::dyn, 2>>(g, "p");
    auto a = v.assign(p);
    CHECK(s.run(a, {{p, nv}}) == nv);
    CHECK(s.run(v) == nv);
    SUBCASE("assign_add needs the current shape") {
      auto add = v.assign_add(p);
      xt::xtensor<float, 2> d{{1, 1}, {1, 1}};
      CHECK_THROWS_WITH_AS(s.run(add, {{p, d}}),
                           "Cannot update variable with shape [1,2] using a Tensor with shape [2,2], shapes must be equal.",
                           sl::invalid_argument);
    }
  }
  SUBCASE("an initial value that does not fit the static shape") {
    using V = sl::Variable<float, sl::shape<sl::dyn, 3>>;
    CHECK_THROWS_AS(V(g, xt::xtensor<float, 2>{{1, 2}}, "bad"), sl::invalid_argument);
  }
}

TEST_CASE("initializers: zeros, ones, constant, and the nodes a variable adds") {
  sl::Graph g;
  sl::Variable<float, sl::shape<3>> z(g, sl::init::zeros<float>(), "z");
  sl::Variable<double, sl::shape<2, 2>> o(g, sl::init::ones<double>(), "o");
  sl::Variable<std::int64_t, sl::shape<2>> c(g, sl::init::constant<std::int64_t>(7), "c");
  sl::Variable<float, sl::shape<>> z2(g, sl::init::zeros<float>(), "z");
  CHECK(z.name() == "z:0");
  CHECK(z.op_name() == "z");
  CHECK(z2.op_name() == "z_1");
  CHECK(z.initializer().name() == "z/Assign");
  CHECK(z2.initializer().name() == "z_1/Assign");
  CHECK(z.initial_value().op_name() == "z/initial_value");
  CHECK(g.at(z.id()).op == "VariableV2");
  {
    auto scope = g.name_scope("layer");
    sl::Variable<float, sl::shape<>> w(g, 1.0f, "w");
    CHECK(w.op_name() == "layer/w");
    CHECK(w.initializer().name() == "layer/w/Assign");
  }
  sl::Session s(g);
  s.run(sl::global_variables_initializer(g));
  CHECK(s.run(z) == xt::xtensor<float, 1>{0, 0, 0});
  CHECK(s.run(o) == xt::xtensor<double, 2>{{1, 1}, {1, 1}});
  CHECK(s.run(c) == xt::xtensor<std::int64_t, 1>{7, 7});
  CHECK(s.run(z2) == 0.0f);
}

TEST_CASE("random initializers: bounds, seeds, the same values in every session") {
  sl::Graph g;
  sl::Variable<float, sl::shape<100, 50>> gu(g, sl::init::glorot_uniform<float>(7), "gu");
  sl::Variable<float, sl::shape<100, 50>> gu2(g, sl::init::glorot_uniform<float>(7), "gu2");
  sl::Variable<float, sl::shape<100, 50>> gu3(g, sl::init::glorot_uniform<float>(8), "gu3");
  sl::Variable<double, sl::shape<200, 100>> gn(g, sl::init::glorot_normal<double>(), "gn");
  sl::Variable<float, sl::shape<4000>> rn(g, sl::init::random_normal<float>(1.0f, 2.0f), "rn");
  sl::Variable<float, sl::shape<4000>> tn(g, sl::init::truncated_normal<float>(0.0f, 1.0f), "tn");
  sl::Variable<float, sl::shape<4000>> ru(g, sl::init::random_uniform<float>(-3.0f, -1.0f), "ru");
  auto init = sl::global_variables_initializer(g);
  sl::Session s1(g), s2(g);
  s1.run(init);
  s2.run(init);
  xt::xtensor<float, 2> a = s1.run(gu), b = s2.run(gu), same_seed = s1.run(gu2), other_seed = s1.run(gu3);
  CHECK(a == b);  // each session draws the same initial values
  CHECK(a == same_seed);  // same graph seed, same op seed, same sequence (TF's rule)
  CHECK(a != other_seed);
  const float limit = std::sqrt(6.0f / 150.0f);
  CHECK(xt::amax(a)() <= limit);
  CHECK(xt::amin(a)() >= -limit);
  CHECK(xt::amax(a)() > 0.9f * limit);
  xt::xtensor<double, 2> n = s1.run(gn);
  const double sd = std::sqrt(2.0 / 300.0) / .87962566103423978;
  CHECK(xt::amax(xt::abs(n))() <= 2 * sd);
  CHECK(std::abs(xt::mean(n)()) < 0.01);
  xt::xtensor<float, 1> r = s1.run(rn);
  CHECK(std::abs(xt::mean(r)() - 1.0f) < 0.15f);
  CHECK(std::abs(xt::stddev(r)() - 2.0f) < 0.15f);
  xt::xtensor<float, 1> t = s1.run(tn);
  CHECK(xt::amax(xt::abs(t))() <= 2.0f);
  xt::xtensor<float, 1> u = s1.run(ru);
  CHECK(xt::amin(u)() >= -3.0f);
  CHECK(xt::amax(u)() <= -1.0f);
}

TEST_CASE("is_variable_initialized, report_uninitialized_variables, variables_initializer") {
  sl::Graph g;
  sl::Variable<float, sl::shape<2>> a(g, 1.0f, "a");
  sl::Variable<int, sl::shape<>> b(g, 2, "b");
  sl::Variable<double, sl::shape<>> c(g, 3.0, "c", /*trainable=*/false);
  auto a_ok = sl::is_variable_initialized(a);
  static_assert(std::is_same_v<decltype(a_ok), sl::Tensor<bool, sl::shape<>>>);
  auto report = sl::report_uninitialized_variables(g);
  static_assert(std::is_same_v<sl::fetch_result_t<decltype(report)>, std::vector<std::string>>);
  auto init_ab = sl::variables_initializer(g, {a, b});
  sl::Session s(g);
  CHECK(s.run(a_ok) == false);
  CHECK(s.run(report) == std::vector<std::string>{"a", "b", "c"});
  s.run(init_ab);
  CHECK(s.run(a_ok) == true);
  CHECK(s.run(report) == std::vector<std::string>{"c"});
  CHECK_THROWS_WITH_AS(s.run(c.tensor() + 1.0), "Attempting to use uninitialized value c", sl::failed_precondition);
  CHECK_THROWS_WITH_AS(s.run(c.assign_add(1.0)), "Attempting to use uninitialized value c", sl::failed_precondition);
  s.run(c.initializer());
  CHECK(s.run(report).empty());

  auto all = sl::global_variables(g);
  auto trainable = sl::trainable_variables(g);
  REQUIRE(all.size() == 3);
  REQUIRE(trainable.size() == 2);
  CHECK(all[2].name() == "c:0");
  CHECK(all[2].dtype() == sl::dtype::float64);
  CHECK(trainable[0] == sl::any_variable(a));
  CHECK(trainable[1].op_name() == "b");
  CHECK(trainable[0].shape() == std::vector<std::ptrdiff_t>{2});
  CHECK(trainable[1].index() == b.index());
}

TEST_CASE("assigning from a tensor: reads see whole values, the update reads the old value") {
  sl::Graph g;
  sl::Variable<float, sl::shape<3>> v(g, 1.0f, "v");
  auto doubled = v.assign(v * 2.0f);
  auto both = std::tuple{v.tensor() + 0.0f, v.assign_add(v.tensor())};
  sl::Session s(g);
  s.run(v.initializer());
  CHECK(s.run(doubled) == xt::xtensor<float, 1>{2, 2, 2});
  CHECK(s.run(doubled) == xt::xtensor<float, 1>{4, 4, 4});
  auto [before, after] = s.run(both);
  CHECK(after == xt::xtensor<float, 1>{8, 8, 8});
  (void)before;
}

TEST_CASE("random ops draw a reproducible sequence per session") {
  sl::Graph g;
  g.set_seed(1234);
  auto x = sl::random_normal<float, sl::shape<1000>>(g, 0.0f, 1.0f);
  auto k = sl::random_uniform<std::int32_t, sl::shape<500>>(g, 3, 9, 5);
  static_assert(std::is_same_v<decltype(k), sl::Tensor<std::int32_t, sl::shape<500>>>);
  CHECK(g.at(x.id()).op == "RandomStandardNormal");
  sl::Session s1(g), s2(g);
  xt::xtensor<float, 1> a1 = s1.run(x), a2 = s1.run(x);
  xt::xtensor<float, 1> b1 = s2.run(x), b2 = s2.run(x);
  CHECK(a1 == b1);
  CHECK(a2 == b2);
  CHECK(a1 != a2);
  xt::xtensor<std::int32_t, 1> ki = s1.run(k);
  CHECK(xt::amin(ki)() == 3);
  CHECK(xt::amax(ki)() == 8);

  sl::Graph h;
  h.set_seed(99);
  auto y = sl::random_normal<float, sl::shape<1000>>(h, 0.0f, 1.0f);
  sl::Session s3(h);
  CHECK(s3.run(y) != a1);  // another graph seed, another sequence
}

TEST_CASE("default-graph forms of Variable and the random ops") {
  sl::Graph g;
  auto guard = g.as_default();
  sl::Variable<float, sl::shape<2>> a(sl::init::ones<float>(), "a");
  sl::Variable<int, sl::shape<>> b(7, "b", /*trainable=*/false);
  sl::Variable<double, sl::shape<sl::dyn>> c(xt::xtensor<double, 1>{1, 2, 3}, "c");
  auto r = sl::random_uniform<float, sl::shape<3>>(0.0f, 1.0f, 3);
  CHECK(&a.graph() == &g);
  CHECK(&r.graph() == &g);
  CHECK(sl::trainable_variables().size() == 2);
  sl::Session s;
  s.run(sl::global_variables_initializer());
  CHECK(s.run(a) == xt::xtensor<float, 1>{1, 1});
  CHECK(s.run(b) == 7);
  CHECK(s.run(c) == xt::xtensor<double, 1>{1, 2, 3});
  CHECK(s.run(r).size() == 3);
}

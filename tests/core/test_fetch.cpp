// DESIGN section 2: a structure of fetchables in, the same structure of arrays out.
#include <doctest/doctest.h>

#include <array>
#include <map>
#include <unordered_map>
#include <variant>
#include <vector>

#include "probe_op.hpp"

namespace sl = sessionlib;
using sl::shape;

template <class A, class B> struct MyData { A a; B b; };
template <class A, class B> MyData(A, B) -> MyData<A, B>;

struct Plain {  // an aggregate that is not a class template: fetched as a tuple
  sl::Tensor<int, shape<2>> k;
  sl::Tensor<float, shape<>> s;
};

struct Point { sl::Tensor<float, shape<>> x, y; };   // a user type with fetch_traits
struct PointValue { float x, y; };
template <> struct sessionlib::fetch_traits<Point> {
  static auto fetches(const Point& p) { return std::tuple{p.x, p.y}; }
  static PointValue result(std::tuple<float, float>&& r) { return {std::get<0>(r), std::get<1>(r)}; }
};

struct Fixture {
  sl::Graph g;
  sl::Tensor<int, shape<2>> a = sl::constant(g, {10, 20});
  sl::Tensor<float, shape<2>> b = sl::constant(g, {1.0f, 2.0f});
  sl::Tensor<float, shape<>> s = sl::constant(g, 5.0f) * sl::constant(g, 6.0f);
  sl::Session sess{g};
};

TEST_CASE_FIXTURE(Fixture, "a rank-0 tensor gives its element type; rank N an xt::xtensor<T, N>") {
  static_assert(std::is_same_v<sl::fetch_result_t<decltype(s)>, float>);
  static_assert(std::is_same_v<sl::fetch_result_t<decltype(a)>, xt::xtensor<int, 1>>);
  CHECK(sess.run(s) == 30.0f);
  xt::xtensor<int, 1> av = sess.run(a);
  CHECK(av == xt::xtensor<int, 1>{10, 20});
  auto m = sl::constant(g, {{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  static_assert(std::is_same_v<decltype(sess.run(m)), xt::xtensor<double, 2>>);
  auto mv = sess.run(m);
  CHECK(mv.shape()[0] == 2);
  CHECK(mv.shape()[1] == 3);
  CHECK(mv(1, 2) == 6.0);
}

TEST_CASE_FIXTURE(Fixture, "an Operation gives sl::none_t") {
  auto op = sl::make_operation(g, {.op = "NoOp"});
  static_assert(std::is_same_v<decltype(sess.run(op)), sl::none_t>);
  CHECK(sess.run(op) == sl::none);
  auto [n, v] = sess.run(std::tuple{op, s});
  CHECK(n == sl::none);
  CHECK(v == 30.0f);
}

TEST_CASE_FIXTURE(Fixture, "tuples and pairs keep their structure") {
  auto [av, bv] = sess.run(std::tuple{a, b});
  static_assert(std::is_same_v<decltype(av), xt::xtensor<int, 1>>);
  static_assert(std::is_same_v<decltype(bv), xt::xtensor<float, 1>>);
  CHECK(av == xt::xtensor<int, 1>{10, 20});
  CHECK(bv == xt::xtensor<float, 1>{1.0f, 2.0f});
  auto p = sess.run(std::pair{s, a});
  static_assert(std::is_same_v<decltype(p), std::pair<float, xt::xtensor<int, 1>>>);
  CHECK(p.first == 30.0f);
  CHECK(p.second(1) == 20);
}

TEST_CASE_FIXTURE(Fixture, "arrays and vectors, empty ones included") {
  auto arr = sess.run(std::array{s, s * 2.0f});
  static_assert(std::is_same_v<decltype(arr), std::array<float, 2>>);
  CHECK(arr[0] == 30.0f);
  CHECK(arr[1] == 60.0f);
  std::vector<sl::Tensor<float, shape<2>>> v{b, b + 1.0f, b * b};
  auto vv = sess.run(v);
  static_assert(std::is_same_v<decltype(vv), std::vector<xt::xtensor<float, 1>>>);
  REQUIRE(vv.size() == 3);
  CHECK(vv[1] == xt::xtensor<float, 1>{2.0f, 3.0f});
  CHECK(vv[2] == xt::xtensor<float, 1>{1.0f, 4.0f});
  CHECK(sess.run(std::vector<sl::Tensor<float, shape<2>>>{}).empty());
  CHECK(sess.run(std::tuple<>{}) == std::tuple<>{});
}

TEST_CASE_FIXTURE(Fixture, "maps keep their keys") {
  std::map<std::string, sl::Tensor<float, shape<2>>> m{{"b", b}, {"b2", b * 2.0f}};
  auto r = sess.run(m);
  static_assert(std::is_same_v<decltype(r), std::map<std::string, xt::xtensor<float, 1>>>);
  CHECK(r.at("b2") == xt::xtensor<float, 1>{2.0f, 4.0f});
  std::unordered_map<int, sl::Tensor<float, shape<>>> um{{1, s}, {2, s + 1.0f}};
  auto ur = sess.run(um);
  CHECK(ur.at(2) == 31.0f);
  CHECK(sess.run(std::map<int, sl::Tensor<float, shape<>>>{}).empty());
}

TEST_CASE_FIXTURE(Fixture, "aggregates: class templates rebind, others become tuples, fetch_traits customise") {
  MyData r = sess.run(MyData{a, b});
  static_assert(std::is_same_v<decltype(r), MyData<xt::xtensor<int, 1>, xt::xtensor<float, 1>>>);
  CHECK(r.a == xt::xtensor<int, 1>{10, 20});
  CHECK(r.b == xt::xtensor<float, 1>{1.0f, 2.0f});
  auto t = sess.run(Plain{a, s});
  static_assert(std::is_same_v<decltype(t), std::tuple<xt::xtensor<int, 1>, float>>);
  CHECK(std::get<1>(t) == 30.0f);
  PointValue pv = sess.run(Point{s, s - 10.0f});
  CHECK(pv.x == 30.0f);
  CHECK(pv.y == 20.0f);
}

TEST_CASE_FIXTURE(Fixture, "the seed example: a map of variants nests structures") {
  using K1 = MyData<sl::Tensor<int, shape<2>>, sl::Tensor<float, shape<2>>>;
  using K2 = std::tuple<sl::Tensor<float, shape<2>>, sl::Tensor<int, shape<2>>>;
  std::map<std::string, std::variant<K1, K2>> f{{"k1", MyData{a, b}}, {"k2", std::tuple{b, a}}};
  auto r = sess.run(f);
  const auto& k1 = std::get<0>(r.at("k1"));
  const auto& k2 = std::get<1>(r.at("k2"));
  CHECK(k1.a == xt::xtensor<int, 1>{10, 20});
  CHECK(k1.b == xt::xtensor<float, 1>{1.0f, 2.0f});
  CHECK(std::get<0>(k2) == xt::xtensor<float, 1>{1.0f, 2.0f});
  CHECK(std::get<1>(k2) == xt::xtensor<int, 1>{10, 20});
  // Structures nest without limit.
  auto deep = sess.run(std::vector{std::map<int, std::tuple<std::array<sl::Tensor<float, shape<>>, 1>>>{{7, {{s}}}}});
  CHECK(std::get<0>(deep[0].at(7))[0] == 30.0f);
}

TEST_CASE_FIXTURE(Fixture, "a name gives an sl::any_array") {
  auto named = b * 3.0f;
  const std::string name = named.name();
  CHECK(name == "mul_1:0");
  sl::any_array v = sess.run(name);
  CHECK(v.dtype() == sl::dtype::float32);
  CHECK(v.shape() == sl::dims{2});
  CHECK(v.as<float, 1>() == xt::xtensor<float, 1>{3.0f, 6.0f});
  CHECK_THROWS_WITH_AS(((void)v.as<double, 1>()), "any_array::as: the array's dtype is float32, not float64",
                       sl::invalid_argument);
  CHECK_THROWS_WITH_AS(((void)v.as<float, 2>()), "any_array::as: the array's rank is 1, not 2", sl::invalid_argument);
  auto [x, y] = sess.run(std::tuple{std::string("mul_1:0"), "mul"});
  CHECK(x.as<float, 1>()(1) == 6.0f);
  CHECK(y.dtype() == sl::dtype::float32);
  CHECK_THROWS_WITH_AS((void)sess.run(std::string("nope:0")),
                       "The name 'nope:0' refers to a Tensor which does not exist.", sl::not_found);
}

TEST_CASE("a tensor fetched twice is computed once; unneeded nodes do not run") {
  sl::Graph g;
  auto x = sl::constant(g, {1.0f, 2.0f});
  auto p = probe::probe(x);
  auto unused = probe::probe(x * 2.0f);
  (void)unused;
  sl::Session sess(g);
  probe::runs = 0;
  auto [p1, p2, q] = sess.run(std::tuple{p, p, p + p});
  CHECK(probe::runs == 1);
  CHECK(p1 == p2);
  CHECK(q == xt::xtensor<float, 1>{2.0f, 4.0f});
  probe::runs = 0;
  (void)sess.run(x);
  CHECK(probe::runs == 0);
}

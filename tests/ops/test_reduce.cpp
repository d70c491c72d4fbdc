// Reductions over every axis set of a rank-3 tensor with a dynamic dimension,
// keepdims or not, per dtype, against a plain reference loop. Values are
// fetched by name (sl::any_array) so the test instantiates few fetch types.
#include <sessionlib/ops/reduce.hpp>
#include <sessionlib/session/session.hpp>

#include "test_reduce_util.hpp"

namespace sl = sessionlib;
using reducetest::kind;

namespace {

struct reduce_case {
  std::string name;
  std::vector<int> axes;
  bool keep;
};

/// Adds f<Axes...>(x) and f<Axes...>(x, keepdims) for every axis set of a rank-3 tensor.
template <class X, class F>
void add_axis_sets(const X& x, F f, std::vector<reduce_case>& cases) {
  auto add = [&]<int... A>() {
    cases.push_back({f.template operator()<A...>(x, std::false_type{}).name(), {A...}, false});
    cases.push_back({f.template operator()<A...>(x, std::true_type{}).name(), {A...}, true});
  };
  add.template operator()<>();
  add.template operator()<0>();
  add.template operator()<1>();
  add.template operator()<2>();
  add.template operator()<-1>();
  add.template operator()<0, 1>();
  add.template operator()<1, 2>();
  add.template operator()<0, 2>();   // two separate reduced groups: the general path
  add.template operator()<2, -3>();  // the same, unordered and negative
  add.template operator()<0, 1, 2>();
}

#define REDUCER(fn)                                                           \
  []<int... A>(const auto& x, auto keep) {                                    \
    if constexpr (decltype(keep)::value) return sl::fn<A...>(x, sl::keepdims); \
    else return sl::fn<A...>(x);                                              \
  }

/// Runs every case on `xv` fed to `x` and compares with the reference of kind `k`.
template <class T, class X>
void run_cases(sl::Graph& g, const X& x, const xt::xtensor<T, 3>& xv, const std::vector<reduce_case>& cases, kind k) {
  std::vector<std::string> names;
  for (const auto& c : cases) names.push_back(c.name);
  sl::Session sess(g);
  const std::vector<sl::any_array> got = sess.run(names, {{x, xv}});
  const std::vector<T> data(xv.begin(), xv.end());
  const std::vector<std::size_t> in(xv.shape().begin(), xv.shape().end());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    CAPTURE(cases[i].name);
    CAPTURE(cases[i].keep);
    reducetest::check<T>(got[i], reducetest::out_shape(in, cases[i].axes, cases[i].keep),
                         reducetest::reduce(data, in, cases[i].axes, k));
  }
}

template <class T, class F>
void check_reducer(F f, kind k, double lo, double hi) {
  sl::Graph g;
  auto x = sl::placeholder<T, sl::shape<sl::dyn, 4, 5>>(g, "x");
  std::vector<reduce_case> cases;
  add_axis_sets(x, f, cases);
  for (std::size_t rows : {3u, 1u, 0u}) {  // rows == 1 drops an axis; rows == 0 reduces nothing
    CAPTURE(rows);
    run_cases<T>(g, x, mathtest::sample<T, 3>({rows, 4, 5}, lo, hi, rows + 1), cases, k);
  }
}

}  // namespace

TEST_CASE_TEMPLATE("numeric reductions match a reference loop over every axis set", T, float, double, std::int32_t,
                   std::int64_t, std::uint8_t) {
  const double lo = mathtest::low<T>(-9);
  SUBCASE("reduce_sum") { check_reducer<T>(REDUCER(reduce_sum), kind::sum, lo, 9); }
  SUBCASE("reduce_mean") { check_reducer<T>(REDUCER(reduce_mean), kind::mean, lo, 9); }
  SUBCASE("reduce_max") { check_reducer<T>(REDUCER(reduce_max), kind::max, lo, 9); }
  SUBCASE("reduce_min") { check_reducer<T>(REDUCER(reduce_min), kind::min, lo, 9); }
  SUBCASE("reduce_prod") {
    if constexpr (std::is_floating_point_v<T>) check_reducer<T>(REDUCER(reduce_prod), kind::prod, 0.5, 1.5);
    else check_reducer<T>(REDUCER(reduce_prod), kind::prod, mathtest::low<T>(-3), 3);  // integers wrap, as TF's
  }
}

TEST_CASE("reduce_any and reduce_all match a reference loop over every axis set") {
  SUBCASE("reduce_any") { check_reducer<bool>(REDUCER(reduce_any), kind::any, 0, 1.6); }   // mostly false
  SUBCASE("reduce_all") { check_reducer<bool>(REDUCER(reduce_all), kind::all, -0.6, 1); }  // mostly true
}

TEST_CASE("reduction result types follow the axes and keepdims") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "x");
  auto v = sl::placeholder<int, sl::shape<2, sl::dyn, 4>>(g, "v");
  static_assert(std::is_same_v<decltype(sl::reduce_sum<1>(x)), sl::Tensor<float, sl::shape<sl::dyn>>>);
  static_assert(std::is_same_v<decltype(sl::reduce_sum<0>(x)), sl::Tensor<float, sl::shape<3>>>);
  static_assert(std::is_same_v<decltype(sl::reduce_sum<-1>(x, sl::keepdims)), sl::Tensor<float, sl::shape<sl::dyn, 1>>>);
  static_assert(std::is_same_v<decltype(sl::reduce_mean(x)), sl::Tensor<float, sl::shape<>>>);
  static_assert(std::is_same_v<decltype(sl::reduce_mean(x, sl::keepdims)), sl::Tensor<float, sl::shape<1, 1>>>);
  static_assert(std::is_same_v<decltype(sl::reduce_max<0, 2>(v)), sl::Tensor<int, sl::shape<sl::dyn>>>);
  static_assert(std::is_same_v<decltype(sl::reduce_min<2, 0>(v, sl::keepdims)), sl::Tensor<int, sl::shape<1, sl::dyn, 1>>>);
  static_assert(std::is_same_v<decltype(sl::reduce_any(sl::placeholder<bool, sl::shape<2>>(g))), sl::Tensor<bool, sl::shape<>>>);
  auto s = sl::reduce_sum<-1>(x, "row_sums");
  CHECK(s.op_name() == "row_sums");
  CHECK(g.at(s.id()).op == "Sum");
  CHECK(g.at(s.id()).attr.get<sl::reduce_attrs>().axes == std::vector<std::int64_t>{1});
  CHECK(g.at(sl::reduce_prod<2, 0>(v).id()).attr.get<sl::reduce_attrs>().axes == std::vector<std::int64_t>{0, 2});
  CHECK(g.at(sl::reduce_mean(v).id()).attr.get<sl::reduce_attrs>().axes == std::vector<std::int64_t>{0, 1, 2});
  CHECK_FALSE(g.at(s.id()).attr.get<sl::reduce_attrs>().keep_dims);
  CHECK(g.at(sl::reduce_min<2, 0>(v, sl::keepdims).id()).attr.get<sl::reduce_attrs>().keep_dims);
  CHECK(g.at(sl::reduce_mean(v).id()).op == "Mean");
  CHECK(g.at(sl::reduce_max(v).id()).op == "Max");
  CHECK(g.at(sl::reduce_min(v).id()).op == "Min");
  CHECK(g.at(sl::reduce_prod(v).id()).op == "Prod");
}

TEST_CASE("a scalar fetch of a full reduction, and TF's integer mean") {
  sl::Graph g;
  auto m = sl::constant(g, {{1.f, 2.f}, {3.f, 4.f}});
  auto i = sl::constant(g, {1, 2, 4});
  auto u = sl::constant(g, {std::uint8_t{200}, std::uint8_t{200}});
  sl::Session sess(g);
  CHECK(sess.run(sl::reduce_mean(m)) == 2.5f);
  CHECK(sess.run(sl::reduce_sum(m)) == 10.f);
  CHECK(sess.run(sl::reduce_mean(i)) == 2);                       // 7 / 3 in integers
  CHECK(sess.run(sl::reduce_mean(u)) == std::uint8_t{72});        // (400 mod 256) / 2, as TF's uint8 mean
  CHECK(sess.run(sl::reduce_sum<0>(m)) == xt::xtensor<float, 1>{4.f, 6.f});
}

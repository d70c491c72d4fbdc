// Gradients of + - * / and negation, with broadcasting summed away, checked
// against central differences; the gradients API (tuples, grad_ys, variables,
// unconnected xs, stop_gradient, errors).
#include "numeric_grad.hpp"

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;
using numeric_grad::check;
using numeric_grad::values;

TEST_CASE("add, sub, mul, div of same shapes") {
  sl::Graph g;
  auto a = sl::placeholder<double, shape<2, 3>>(g, "a");
  auto b = sl::placeholder<double, shape<2, 3>>(g, "b");
  sl::Session sess(g);
  const auto av = values({2, 3}, -1, 1, 1), bv = values({2, 3}, 0.5, 2, 2);
  SUBCASE("add") { auto y = a + b; check(sess, y, a, av, {{b, bv}}); check(sess, y, b, bv, {{a, av}}); }
  SUBCASE("sub") { auto y = a - b; check(sess, y, a, av, {{b, bv}}); check(sess, y, b, bv, {{a, av}}); }
  SUBCASE("mul") { auto y = a * b; check(sess, y, a, av, {{b, bv}}); check(sess, y, b, bv, {{a, av}}); }
  SUBCASE("div") { auto y = a / b; check(sess, y, a, av, {{b, bv}}); check(sess, y, b, bv, {{a, av}}); }
  SUBCASE("neg") { auto y = -(a * a); check(sess, y, a, av); }
}

TEST_CASE("broadcasting operands get the gradient summed over the broadcast axes") {
  sl::Graph g;
  auto a = sl::placeholder<double, shape<dyn, 3>>(g, "a");
  auto row = sl::placeholder<double, shape<3>>(g, "row");
  auto col = sl::placeholder<double, shape<dyn, 1>>(g, "col");
  auto s = sl::placeholder<double, shape<>>(g, "s");
  sl::Session sess(g);
  const auto av = values({4, 3}, -1, 1, 3), rv = values({3}, 0.5, 2, 4), cv = values({4, 1}, 0.5, 2, 5);
  const xt::xarray<double> sv = 1.5;
  SUBCASE("a + row") { auto y = a * (a + row); check(sess, y, row, rv, {{a, av}}); check(sess, y, a, av, {{row, rv}}); }
  SUBCASE("a / col") { auto y = a / col; check(sess, y, col, cv, {{a, av}}); check(sess, y, a, av, {{col, cv}}); }
  SUBCASE("row - col") { auto y = (row - col) * (row * col); check(sess, y, row, rv, {{col, cv}}); check(sess, y, col, cv, {{row, rv}}); }
  SUBCASE("scalar * a") { auto y = s * a / s * s; check(sess, y, s, sv, {{a, av}}); check(sess, y, a, av, {{s, sv}}); }
  SUBCASE("the result has the operand's static shape") {
    auto d = sl::gradients(a * row, row);
    static_assert(std::is_same_v<decltype(d), sl::Tensor<double, shape<3>>>);
    CHECK(g.at(d.id()).shape == std::vector<std::ptrdiff_t>{3});
  }
}

TEST_CASE("gradients of several xs, grad_ys, and a tuple of ys") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<2>>(g, "x");
  auto w = sl::constant(g, {3.0, 4.0});
  auto y = x * x * w;
  sl::Session sess(g);
  const xt::xtensor<double, 1> xv{1.0, 2.0};
  SUBCASE("tuple of xs") {
    auto [dx, dw] = sl::gradients(y, std::tuple{x, w});
    static_assert(std::is_same_v<decltype(dw), sl::Tensor<double, shape<2>>>);
    auto [vx, vw] = sess.run(std::tuple{dx, dw}, {{x, xv}});
    CHECK(vx == xt::xtensor<double, 1>{6.0, 16.0});
    CHECK(vw == xt::xtensor<double, 1>{1.0, 4.0});
  }
  SUBCASE("grad_ys weighs each element of y") {
    auto gy = sl::constant(g, {10.0, -1.0});
    auto dx = sl::gradients(y, x, gy);
    CHECK(sess.run(dx, {{x, xv}}) == xt::xtensor<double, 1>{60.0, -16.0});
  }
  SUBCASE("a tuple of ys is summed") {
    auto dx = sl::gradients(std::tuple{y, x * 5.0}, x);
    CHECK(sess.run(dx, {{x, xv}}) == xt::xtensor<double, 1>{11.0, 21.0});
  }
  SUBCASE("the gradient can be fed") {
    auto dx = sl::gradients(y, x);
    auto z = dx * 2.0;
    CHECK(sess.run(z, {{dx, xt::xtensor<double, 1>{1.0, 1.0}}}) == xt::xtensor<double, 1>{2.0, 2.0});
  }
  SUBCASE("a vector of xs") {
    std::vector<sl::Tensor<double, shape<2>>> xs{x, w};
    auto ds = sl::gradients(y, xs);
    REQUIRE(ds.size() == 2);
    CHECK(sess.run(ds[1], {{x, xv}}) == xt::xtensor<double, 1>{1.0, 4.0});
  }
}

TEST_CASE("an x that y does not depend on gets zeros; stop_gradient stops the flow") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn, 2>>(g, "x");
  auto u = sl::placeholder<float, shape<dyn, 2>>(g, "u");
  auto y = x * 3.0f;
  sl::Session sess(g);
  const xt::xtensor<float, 2> xv{{1.f, 2.f}, {3.f, 4.f}, {5.f, 6.f}};
  auto du = sl::gradients(y, u);
  static_assert(std::is_same_v<decltype(du), sl::Tensor<float, shape<dyn, 2>>>);
  CHECK(sess.run(du, {{x, xv}, {u, xv}}) == xt::zeros<float>({3, 2}));
  auto stopped = sl::add_tensor_node(g, {.op = "StopGradient", .inputs = {x.id()}, .kernel = sl::kernels::identity_kernel},
                                     sl::dtype::float32, {-1, 2});
  auto z = sl::Tensor<float, shape<dyn, 2>>(&g, stopped) * x;
  auto dz = sl::gradients(z, x);
  CHECK(sess.run(dz, {{x, xv}}) == xv);  // only the direct path: d(s * x)/dx with s constant
}

TEST_CASE("an op without a gradient on the path is an error naming it") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<2>>(g, "x");
  auto id = sl::add_tensor_node(g, {.op = "Foo", .name = "foo", .inputs = {x.id()}, .kernel = sl::kernels::identity_kernel},
                                sl::dtype::float64, {2});
  auto y = sl::Tensor<double, shape<2>>(&g, id) * 2.0;
  CHECK_THROWS_WITH_AS(sl::gradients(y, x), "No gradient defined for operation 'foo' (op type: Foo)", sl::invalid_argument);
}

TEST_CASE("gradients with respect to a variable, and its own grad builder overriding the registry") {
  sl::Graph g;
  sl::Variable<double, shape<3>> v(g, xt::xtensor<double, 1>{1.0, 2.0, 3.0}, "v");
  auto y = v * v;
  auto dv = sl::gradients(y, v);
  static_assert(std::is_same_v<decltype(dv), sl::Tensor<double, shape<3>>>);
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  CHECK(sess.run(dv) == xt::xtensor<double, 1>{2.0, 4.0, 6.0});

  // A node's own builder wins: this "mul" claims a gradient of 7 for both inputs.
  auto custom = sl::add_tensor_node(g, {.op = "mul", .inputs = {v.tensor().id(), v.tensor().id()},
                                        .kernel = sl::kernels::binary_kernel<double, double, sl::fn::mul>,
                                        .grad = [](sl::Graph& gg, sl::node_id, sl::output_ref dy, std::vector<sl::output_ref>& dx) {
                                          dx[0] = sl::erased::mul_scalar(gg, sl::erased::ones_like(gg, dy), 7.0);
                                        }},
                                    sl::dtype::float64, {3});
  auto dc = sl::gradients(sl::Tensor<double, shape<3>>(&g, custom), v);
  CHECK(sess.run(dc) == xt::xtensor<double, 1>{7.0, 7.0, 7.0});
}

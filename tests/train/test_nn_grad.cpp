// Gradients of the nn ops against central differences in double precision.
// Outputs whose sum is constant (softmax) are weighted first, so the check sees
// every direction of the Jacobian.
#include "numeric_grad.hpp"

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;
using numeric_grad::check;
using numeric_grad::values;

TEST_CASE("activations: relu6, leaky_relu, elu") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<dyn, 4>>(g, "x");
  sl::Session sess(g);
  // Away from the kinks at 0 and 6.
  xt::xarray<double> x0{{-3.1, -0.4, 0.3, 2.2}, {5.5, 6.7, -1.3, 4.1}};
  SUBCASE("relu6") { check(sess, sl::nn::relu6(x) * x, x, x0); }
  SUBCASE("leaky_relu") { check(sess, sl::nn::leaky_relu(x, 0.15) * x, x, x0); }
  SUBCASE("elu") { check(sess, sl::nn::elu(x) * x, x, x0); }
}

TEST_CASE("softmax and log_softmax") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<dyn, 5>>(g, "x");
  auto w = sl::constant<shape<3, 5>>(g, xt::xtensor<double, 2>(values({3, 5}, -2, 2, 3)));
  sl::Session sess(g);
  const auto x0 = values({3, 5}, -3, 3, 4);
  SUBCASE("softmax") { check(sess, sl::nn::softmax(x) * w, x, x0); }
  SUBCASE("log_softmax") { check(sess, sl::nn::log_softmax(x) * w, x, x0); }
  SUBCASE("rank 3") {
    auto x3 = sl::placeholder<double, shape<2, 2, 3>>(g, "x3");
    auto w3 = sl::constant<shape<2, 2, 3>>(g, xt::xtensor<double, 3>(values({2, 2, 3}, -1, 1, 5)));
    check(sess, sl::nn::softmax(x3) * w3, x3, values({2, 2, 3}, -2, 2, 6));
  }
}

TEST_CASE("cross-entropies") {
  sl::Graph g;
  auto logits = sl::placeholder<double, shape<dyn, 4>>(g, "logits");
  auto labels = sl::placeholder<double, shape<dyn, 4>>(g, "labels");
  sl::Session sess(g);
  const auto x0 = values({3, 4}, -3, 3, 11);
  xt::xtensor<double, 2> lv{{0, 1, 0, 0}, {0.2, 0.3, 0.5, 0}, {0, 0, 0, 1}};
  auto rw = sl::constant<shape<3>>(g, xt::xtensor<double, 1>{1.0, -2.0, 0.5});  // per-example weights
  SUBCASE("softmax_cross_entropy_with_logits: logits") {
    auto y = sl::nn::softmax_cross_entropy_with_logits(labels, logits) * rw;
    check(sess, y, logits, x0, {{labels, lv}});
    // v1: no gradient into the labels.
    CHECK(sess.run(sl::gradients(y, labels), {{labels, lv}, {logits, x0}}) == xt::zeros<double>({3, 4}));
  }
  SUBCASE("softmax_cross_entropy_with_logits_v2: logits and labels") {
    auto y = sl::nn::softmax_cross_entropy_with_logits_v2(labels, logits) * rw;
    check(sess, y, logits, x0, {{labels, lv}});
    check(sess, y, labels, lv, {{logits, x0}});
  }
  SUBCASE("sparse_softmax_cross_entropy_with_logits, int32 and int64 labels") {
    auto l32 = sl::placeholder<std::int32_t, shape<dyn>>(g, "l32");
    auto l64 = sl::placeholder<std::int64_t, shape<dyn>>(g, "l64");
    check(sess, sl::nn::sparse_softmax_cross_entropy_with_logits(l32, logits) * rw, logits, x0,
          {{l32, xt::xtensor<std::int32_t, 1>{1, 2, 3}}});
    check(sess, sl::nn::sparse_softmax_cross_entropy_with_logits(l64, logits) * rw, logits, x0,
          {{l64, xt::xtensor<std::int64_t, 1>{0, 3, 1}}});
  }
  SUBCASE("sigmoid_cross_entropy_with_logits: logits and labels") {
    auto y = sl::nn::sigmoid_cross_entropy_with_logits(labels, logits) * logits;
    check(sess, y, logits, x0, {{labels, lv}});
    check(sess, y, labels, lv, {{logits, x0}});
  }
}

TEST_CASE("l2_loss and bias_add") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<dyn, 3>>(g, "x");
  auto b = sl::placeholder<double, shape<3>>(g, "b");
  sl::Session sess(g);
  const auto x0 = values({4, 3}, -2, 2, 21), b0 = values({3}, -1, 1, 22);
  SUBCASE("l2_loss") { check(sess, sl::nn::l2_loss(x) * sl::nn::l2_loss(x), x, x0); }
  SUBCASE("bias_add") {
    auto y = sl::square(sl::nn::bias_add(x, b));
    check(sess, y, x, x0, {{b, b0}});
    check(sess, y, b, b0, {{x, x0}});
  }
  SUBCASE("l2_loss differentiates twice") {
    auto d = sl::gradients(sl::nn::l2_loss(x), x);  // x
    check(sess, sl::nn::l2_loss(d), x, x0);
  }
}

TEST_CASE("dropout: the gradient is the mask of the same run") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<dyn>>(g, "x");
  auto y = sl::nn::dropout(x, 0.5, 9);
  auto d = sl::gradients(y, x);
  sl::Session sess(g);
  const xt::xtensor<double, 1> ones = xt::ones<double>({64});
  auto [yv, dv] = sess.run(std::tuple{y, d}, {{x, ones}});
  CHECK(yv == dv);
  CHECK(xt::sum(dv)() > 0);
}

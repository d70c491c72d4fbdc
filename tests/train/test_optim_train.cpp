// Optimizers training real models on synthetic data: a 2-layer MLP with each
// optimizer, a small CNN (conv2d, max_pool, dropout), and slots restored by a
// Saver continuing bit for bit.
#include <doctest/doctest.h>

#include <random>
#include <sessionlib/sessionlib.hpp>

#include "temp_dir.hpp"

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

namespace {
// Three interleaved spirals in 2-D: not linearly separable.
struct spirals {
  xt::xtensor<float, 2> x;
  xt::xtensor<std::int64_t, 1> y;
  explicit spirals(std::size_t per_class) {
    x.resize({3 * per_class, 2});
    y.resize({3 * per_class});
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t i = 0; i < per_class; ++i) {
        const double r = 0.1 + 0.9 * static_cast<double>(i) / static_cast<double>(per_class);
        const double a = 2.1 * static_cast<double>(c) + 3.0 * r;
        const std::size_t k = c * per_class + i;
        x(k, 0) = static_cast<float>(r * std::cos(a));
        x(k, 1) = static_cast<float>(r * std::sin(a));
        y(k) = static_cast<std::int64_t>(c);
      }
  }
};

struct mlp {
  sl::Graph g;
  sl::Tensor<float, shape<dyn, 2>> x = sl::placeholder<float, shape<dyn, 2>>(g, "x");
  sl::Tensor<std::int64_t, shape<dyn>> y = sl::placeholder<std::int64_t, shape<dyn>>(g, "y");
  sl::Variable<float, shape<2, 32>> w1{g, sl::init::glorot_uniform<float>(1), "w1"};
  sl::Variable<float, shape<32>> b1{g, sl::init::zeros<float>(), "b1"};
  sl::Variable<float, shape<32, 3>> w2{g, sl::init::glorot_uniform<float>(2), "w2"};
  sl::Variable<float, shape<3>> b2{g, sl::init::zeros<float>(), "b2"};
  sl::Tensor<float, shape<dyn, 3>> logits =
      sl::nn::bias_add(sl::matmul(sl::nn::relu(sl::nn::bias_add(sl::matmul(x, w1), b1)), w2), b2);
  sl::Tensor<float, shape<>> loss = sl::reduce_mean(sl::nn::sparse_softmax_cross_entropy_with_logits(y, logits));
};

template <class Opt>
float train_mlp(Opt opt, int steps) {
  const spirals data(50);
  mlp m;
  auto train = opt.minimize(m.loss);
  sl::Session sess(m.g);
  sess.run(sl::global_variables_initializer(m.g));
  const float first = sess.run(m.loss, {{m.x, data.x}, {m.y, data.y}});
  for (int i = 0; i < steps; ++i) sess.run(train, {{m.x, data.x}, {m.y, data.y}});
  const float last = sess.run(m.loss, {{m.x, data.x}, {m.y, data.y}});
  INFO("loss from " << first << " to " << last);
  CHECK(last < first);
  return last;
}
}  // namespace

TEST_CASE("a 2-layer MLP learns three spirals with each optimizer") {
  SUBCASE("Adam") { CHECK(train_mlp(sl::train::AdamOptimizer(0.02), 400) < 0.15f); }
  SUBCASE("Momentum (Nesterov)") {
    CHECK(train_mlp(sl::train::MomentumOptimizer(0.2, 0.9, false, "Momentum", true), 400) < 0.3f);
  }
  SUBCASE("RMSProp") { CHECK(train_mlp(sl::train::RMSPropOptimizer(0.01), 400) < 0.3f); }
  SUBCASE("Adagrad") { CHECK(train_mlp(sl::train::AdagradOptimizer(0.5), 400) < 0.5f); }
  SUBCASE("GradientDescent") { CHECK(train_mlp(sl::train::GradientDescentOptimizer(0.5), 400) < 0.9f); }
}

TEST_CASE("a small CNN (conv2d, max_pool, dropout) learns bars: horizontal or vertical") {
  // 8x8 images holding one bar of length 4 at a random place, plus noise.
  const std::size_t n = 96;
  xt::xtensor<float, 4> images = xt::zeros<float>(std::array<std::size_t, 4>{n, 8, 8, 1});
  xt::xtensor<std::int64_t, 1> labels = xt::zeros<std::int64_t>(std::array<std::size_t, 1>{n});
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> pos(0, 4), row(0, 7);
  std::normal_distribution<float> noise(0.f, 0.1f);
  for (std::size_t i = 0; i < n; ++i) {
    const bool vertical = i % 2;
    labels(i) = vertical;
    const int a = row(rng), b = pos(rng);
    for (int k = 0; k < 4; ++k) {
      const int r = vertical ? b + k : a, c = vertical ? a : b + k;
      images(i, static_cast<std::size_t>(r), static_cast<std::size_t>(c), 0) = 1.f;
    }
    for (std::size_t p = 0; p < 64; ++p) images.data()[i * 64 + p] += noise(rng);
  }
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn, 8, 8, 1>>(g, "x");
  auto y = sl::placeholder<std::int64_t, shape<dyn>>(g, "y");
  auto rate = sl::placeholder<float>(g, "rate");
  sl::Variable<float, shape<3, 3, 1, 8>> k1(g, sl::init::glorot_uniform<float>(4), "conv1/w");
  sl::Variable<float, shape<8>> c1(g, sl::init::zeros<float>(), "conv1/b");
  sl::Variable<float, shape<128, 2>> wd(g, sl::init::glorot_uniform<float>(5), "dense/w");
  sl::Variable<float, shape<2>> bd(g, sl::init::zeros<float>(), "dense/b");
  auto h = sl::nn::max_pool<2>(sl::nn::relu(sl::nn::bias_add(sl::nn::conv2d(x, k1, sl::nn::SAME), c1)), sl::nn::VALID);
  static_assert(std::is_same_v<decltype(h), sl::Tensor<float, shape<dyn, 4, 4, 8>>>);
  auto flat = sl::nn::dropout(sl::reshape<shape<dyn, 128>>(h), rate, 11);
  auto logits = sl::matmul(flat, wd) + bd;
  auto loss = sl::reduce_mean(sl::nn::sparse_softmax_cross_entropy_with_logits(y, logits));
  auto train = sl::train::AdamOptimizer(0.02).minimize(loss);
  auto predicted = sl::argmax<1>(logits);

  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  for (int i = 0; i < 150; ++i) sess.run(train, {{x, images}, {y, labels}, {rate, 0.25f}});
  const auto [l, p] = sess.run(std::tuple{loss, predicted}, {{x, images}, {y, labels}, {rate, 0.f}});
  CHECK(l < 0.1f);
  std::size_t right = 0;
  for (std::size_t i = 0; i < n; ++i) right += p(i) == labels(i);
  CHECK(right >= n - 2);
}

TEST_CASE("Momentum and RMSProp slots restored by a Saver continue bit for bit") {
  sessionlib_test::temp_dir d("sl_optim");
  const spirals data(20);
  for (int which = 0; which < 2; ++which) {
    CAPTURE(which);
    mlp m;
    auto step = sl::train::create_global_step(m.g);
    auto train = which == 0 ? sl::train::MomentumOptimizer(0.1, 0.9).minimize(m.loss, step)
                            : sl::train::RMSPropOptimizer(0.01, 0.9, 0.5).minimize(m.loss, step);
    sl::train::Saver saver(m.g);
    sl::Session a(m.g);
    a.run(sl::global_variables_initializer(m.g));
    for (int i = 0; i < 3; ++i) a.run(train, {{m.x, data.x}, {m.y, data.y}});
    const auto path = saver.save(a, (d.path / ("model" + std::to_string(which))).string());
    for (int i = 0; i < 3; ++i) a.run(train, {{m.x, data.x}, {m.y, data.y}});
    sl::Session b(m.g);
    saver.restore(b, path);
    for (int i = 0; i < 3; ++i) b.run(train, {{m.x, data.x}, {m.y, data.y}});
    CHECK(b.run(step) == 6);
    CHECK(a.run(m.w1) == b.run(m.w1));
    CHECK(a.run(m.w2) == b.run(m.w2));
    CHECK(a.run(m.b2) == b.run(m.b2));
  }
}

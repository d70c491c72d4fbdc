// End to end on synthetic data: train a softmax classifier on two separable
// blobs, save part-way, restore into a new session, and check that the
// restored run continues exactly where the original went.
#include <doctest/doctest.h>

#include <random>

#include "saver_fixture.hpp"

using namespace sessionlib_test;

namespace {

struct blobs {
  xt::xtensor<float, 2> x;
  xt::xtensor<std::int64_t, 1> y;
};

// Two Gaussian blobs in 2-D, centred at (-2, -1) and (2, 1).
blobs make_blobs(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.f, 0.7f);
  blobs b;
  b.x.resize({n, 2});
  b.y.resize({n});
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t label = static_cast<std::int64_t>(i % 2);
    const float sign = label ? 1.f : -1.f;
    b.x(i, 0) = 2.f * sign + noise(rng);
    b.x(i, 1) = 1.f * sign + noise(rng);
    b.y(i) = label;
  }
  return b;
}

struct classifier {
  sl::Graph g;
  sl::Tensor<float, sl::shape<sl::dyn, 2>> x = sl::placeholder<float, sl::shape<sl::dyn, 2>>(g, "x");
  sl::Tensor<std::int64_t, sl::shape<sl::dyn>> y = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "y");
  sl::Variable<float, sl::shape<2, 2>> w{g, sl::init::glorot_uniform<float>(5), "w"};
  sl::Variable<float, sl::shape<2>> b{g, sl::init::zeros<float>(), "b"};
  sl::Variable<std::int64_t, sl::shape<>> step{g, 0, "global_step", false};
  sl::Tensor<float, sl::shape<sl::dyn, 2>> logits = sl::matmul(x, w) + b;
  sl::Tensor<float, sl::shape<>> loss = sl::reduce_mean(sl::nn::sparse_softmax_cross_entropy_with_logits(y, logits));
  sl::Tensor<std::int64_t, sl::shape<sl::dyn>> predicted = sl::argmax<1>(logits);
  sl::Operation train = make_train();

  sl::Operation make_train() {
    auto [gw, gb] = sl::gradients(loss, std::tuple{w, b});
    return sl::group(w.assign_sub(gw * 0.5f), b.assign_sub(gb * 0.5f), step.assign_add(std::int64_t{1}));
  }
};

}  // namespace

TEST_CASE("a model trained, saved, restored into a new session and trained on matches the original run") {
  temp_dir d("sl_train");
  const auto data = make_blobs(200, 11);
  classifier m;
  sl::train::Saver saver(m.g);

  sl::Session a(m.g);
  a.run(sl::global_variables_initializer(m.g));
  for (int i = 0; i < 20; ++i) a.run(m.train, {{m.x, data.x}, {m.y, data.y}});
  const std::string path = saver.save(a, (d.path / "model.ckpt").string(), a.run(m.step));
  CHECK(path == (d.path / "model.ckpt-20").string());
  for (int i = 0; i < 20; ++i) a.run(m.train, {{m.x, data.x}, {m.y, data.y}});

  sl::Session b(m.g);
  saver.restore(b, *sl::train::latest_checkpoint(d.path));
  CHECK(b.run(m.step) == 20);
  for (int i = 0; i < 20; ++i) b.run(m.train, {{m.x, data.x}, {m.y, data.y}});

  CHECK(b.run(m.step) == 40);
  const auto [wa, ba, la] = a.run(std::tuple{m.w, m.b, m.loss}, {{m.x, data.x}, {m.y, data.y}});
  const auto [wb, bb, lb] = b.run(std::tuple{m.w, m.b, m.loss}, {{m.x, data.x}, {m.y, data.y}});
  CHECK(wa == wb);  // the same arithmetic on the same values: bit for bit
  CHECK(ba == bb);
  CHECK(la == lb);
  CHECK(la < 0.1f);

  const auto test = make_blobs(100, 12);
  const xt::xtensor<std::int64_t, 1> pred = b.run(m.predicted, {{m.x, test.x}});
  std::size_t right = 0;
  for (std::size_t i = 0; i < pred.size(); ++i) right += pred(i) == test.y(i);
  CHECK(right >= 97);
}

TEST_CASE("Adam's slots and beta powers are saved, so a restored run continues exactly") {
  temp_dir d("sl_train");
  const auto data = make_blobs(128, 21);
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 2>>(g, "x");
  auto y = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "y");
  sl::Variable<float, sl::shape<2, 2>> w(g, sl::init::glorot_uniform<float>(9), "w");
  sl::Variable<float, sl::shape<2>> b(g, sl::init::zeros<float>(), "b");
  auto loss = sl::reduce_mean(sl::nn::sparse_softmax_cross_entropy_with_logits(y, sl::matmul(x, w) + b));
  auto global_step = sl::train::create_global_step(g);
  auto train = sl::train::AdamOptimizer(0.05f).minimize(loss, global_step);
  sl::train::Saver saver(g);

  sl::Session a(g);
  a.run(sl::global_variables_initializer(g));
  for (int i = 0; i < 5; ++i) a.run(train, {{x, data.x}, {y, data.y}});
  const auto path = saver.save(a, (d.path / "adam").string(), global_step);
  CHECK(path == (d.path / "adam-5").string());
  CHECK(sl::train::read_checkpoint_index(path).size() == 9);  // w, b, global_step, m and v of each, beta1_power, beta2_power
  for (int i = 0; i < 5; ++i) a.run(train, {{x, data.x}, {y, data.y}});

  sl::Session b2(g);
  saver.restore(b2, path);
  for (int i = 0; i < 5; ++i) b2.run(train, {{x, data.x}, {y, data.y}});
  CHECK(b2.run(global_step) == 10);
  CHECK(a.run(w) == b2.run(w));
  CHECK(a.run(b) == b2.run(b));
}

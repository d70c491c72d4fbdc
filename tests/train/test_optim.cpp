// Optimizers: each update checked against the formula computed by hand over
// three steps; slot variables named as TF names them and initialised by
// global_variables_initializer; the global step; the errors.
#include <doctest/doctest.h>

#include <cmath>
#include <sessionlib/sessionlib.hpp>

namespace sl = sessionlib;
using sl::shape;

namespace {
// loss = l2_loss(w - t): the gradient is w - t, so the reference is easy to write.
struct problem {
  sl::Graph g;
  sl::Variable<double, shape<3>> w{g, xt::xtensor<double, 1>{1.0, -2.0, 0.5}, "w"};
  sl::Tensor<double, shape<3>> t = sl::constant(g, {0.25, 0.5, -1.0});
  sl::Tensor<double, shape<>> loss = sl::nn::l2_loss(w - t);
  std::array<double, 3> w0{1.0, -2.0, 0.5}, t0{0.25, 0.5, -1.0};

  // Runs `train` three times and checks w against `step(w, g)` applied by hand.
  template <class Step>
  void check(sl::Operation train, Step&& step) {
    sl::Session sess(g);
    sess.run(sl::global_variables_initializer(g));
    std::array<double, 3> ref = w0;
    for (int k = 1; k <= 3; ++k) {
      sess.run(train);
      std::array<double, 3> grad{};
      for (std::size_t i = 0; i < 3; ++i) grad[i] = ref[i] - t0[i];
      step(ref, grad, k);
      const xt::xtensor<double, 1> got = sess.run(w);
      for (std::size_t i = 0; i < 3; ++i) {
        INFO("step " << k << ", element " << i);
        CHECK(got(i) == doctest::Approx(ref[i]).epsilon(1e-14));
      }
    }
  }
};

std::vector<std::string> variable_names(sl::Graph& g) {
  std::vector<std::string> out;
  for (const auto& v : sl::global_variables(g)) out.push_back(v.op_name());
  return out;
}
}  // namespace

TEST_CASE("GradientDescentOptimizer: var -= lr * grad") {
  problem p;
  auto train = sl::train::GradientDescentOptimizer(0.1).minimize(p.loss);
  CHECK(variable_names(p.g) == std::vector<std::string>{"w"});  // no slots
  p.check(train, [](auto& w, const auto& g, int) {
    for (std::size_t i = 0; i < 3; ++i) w[i] -= 0.1 * g[i];
  });
}

TEST_CASE("MomentumOptimizer, plain and Nesterov") {
  for (bool nesterov : {false, true}) {
    CAPTURE(nesterov);
    problem p;
    sl::train::MomentumOptimizer opt(0.1, 0.9, false, "Momentum", nesterov);
    auto train = opt.minimize(p.loss);
    CHECK(variable_names(p.g) == std::vector<std::string>{"w", "w/Momentum"});
    CHECK(opt.get_slot_names() == std::vector<std::string>{"momentum"});
    REQUIRE(opt.get_slot(p.w, "momentum"));
    CHECK(opt.get_slot(p.w, "momentum")->op_name() == "w/Momentum");
    std::array<double, 3> accum{};
    p.check(train, [&](auto& w, const auto& g, int) {
      for (std::size_t i = 0; i < 3; ++i) {
        accum[i] = 0.9 * accum[i] + g[i];
        w[i] -= nesterov ? 0.1 * g[i] + 0.1 * 0.9 * accum[i] : 0.1 * accum[i];
      }
    });
  }
}

TEST_CASE("AdamOptimizer: TF's bias-corrected update, slots and beta powers") {
  problem p;
  sl::train::AdamOptimizer opt(0.01, 0.8, 0.95, 1e-7);
  auto train = opt.minimize(p.loss);
  CHECK(variable_names(p.g) == std::vector<std::string>{"w", "beta1_power", "beta2_power", "w/Adam", "w/Adam_1"});
  CHECK(opt.get_slot(p.w, "m")->op_name() == "w/Adam");
  CHECK(opt.get_slot(p.w, "v")->op_name() == "w/Adam_1");
  CHECK(!opt.get_slot(p.w, "nope"));
  CHECK(sl::trainable_variables(p.g).size() == 1);
  std::array<double, 3> m{}, v{};
  p.check(train, [&](auto& w, const auto& g, int k) {
    const double lr_t = 0.01 * std::sqrt(1 - std::pow(0.95, k)) / (1 - std::pow(0.8, k));
    for (std::size_t i = 0; i < 3; ++i) {
      m[i] = 0.8 * m[i] + 0.2 * g[i];
      v[i] = 0.95 * v[i] + 0.05 * g[i] * g[i];
      w[i] -= lr_t * m[i] / (std::sqrt(v[i]) + 1e-7);
    }
  });
  SUBCASE("the beta powers advance once per step") {
    sl::Session sess(p.g);
    sess.run(sl::global_variables_initializer(p.g));
    sess.run(train);
    sess.run(train);
    auto powers = opt.get_beta_accumulators(p.g, sl::dtype::float64);
    REQUIRE(powers);
    auto b1 = p.g.tensor<double, shape<>>("beta1_power");
    auto b2 = p.g.tensor<double, shape<>>("beta2_power");
    CHECK(sess.run(b1) == doctest::Approx(std::pow(0.8, 3)));
    CHECK(sess.run(b2) == doctest::Approx(std::pow(0.95, 3)));
  }
}

TEST_CASE("RMSPropOptimizer: rms starts at 1, with momentum") {
  problem p;
  sl::train::RMSPropOptimizer opt(0.01, 0.9, 0.5, 1e-10);
  auto train = opt.minimize(p.loss);
  CHECK(variable_names(p.g) == std::vector<std::string>{"w", "w/RMSProp", "w/RMSProp_1"});
  std::array<double, 3> ms{1, 1, 1}, mom{};
  p.check(train, [&](auto& w, const auto& g, int) {
    for (std::size_t i = 0; i < 3; ++i) {
      ms[i] = 0.9 * ms[i] + 0.1 * g[i] * g[i];
      mom[i] = 0.5 * mom[i] + 0.01 * g[i] / std::sqrt(ms[i] + 1e-10);
      w[i] -= mom[i];
    }
  });
}

TEST_CASE("AdagradOptimizer: accumulator starts at initial_accumulator_value") {
  problem p;
  auto train = sl::train::AdagradOptimizer(0.1, 0.2).minimize(p.loss);
  CHECK(variable_names(p.g) == std::vector<std::string>{"w", "w/Adagrad"});
  std::array<double, 3> acc{0.2, 0.2, 0.2};
  p.check(train, [&](auto& w, const auto& g, int) {
    for (std::size_t i = 0; i < 3; ++i) {
      acc[i] += g[i] * g[i];
      w[i] -= 0.1 * g[i] / std::sqrt(acc[i]);
    }
  });
  CHECK_THROWS_AS(sl::train::AdagradOptimizer(0.1, 0.0), sl::invalid_argument);
}

TEST_CASE("a learning rate tensor, fed per run") {
  problem p;
  auto lr = sl::placeholder<double>(p.g, "lr");
  auto train = sl::train::GradientDescentOptimizer(lr).minimize(p.loss);
  sl::Session sess(p.g);
  sess.run(sl::global_variables_initializer(p.g));
  sess.run(train, {{lr, 0.5}});
  const xt::xtensor<double, 1> w = sess.run(p.w);
  for (std::size_t i = 0; i < 3; ++i) CHECK(w(i) == doctest::Approx(p.w0[i] - 0.5 * (p.w0[i] - p.t0[i])));
}

TEST_CASE("the global step counts train steps") {
  problem p;
  auto step = sl::train::create_global_step(p.g);
  CHECK(step.op_name() == "global_step");
  CHECK_THROWS_WITH_AS(sl::train::create_global_step(p.g), "\"global_step\" already exists.", sl::invalid_argument);
  REQUIRE(sl::train::get_global_step(p.g));
  auto train = sl::train::AdamOptimizer(0.01).minimize(p.loss, step);
  sl::Graph other;
  CHECK(!sl::train::get_global_step(other));
  CHECK(sl::trainable_variables(p.g).size() == 1);  // the step is not trained
  sl::Session sess(p.g);
  sess.run(sl::global_variables_initializer(p.g));
  for (int i = 0; i < 4; ++i) sess.run(train);
  CHECK(sess.run(step) == 4);
  CHECK(sess.run(*sl::train::get_global_step(p.g)) == 4);
}

TEST_CASE("compute_gradients and apply_gradients, with a gradient changed in between") {
  problem p;
  sl::Variable<double, shape<>> unused(p.g, 3.0, "unused");
  sl::train::GradientDescentOptimizer opt(1.0);
  auto pairs = opt.compute_gradients(p.loss);
  REQUIRE(pairs.size() == 2);
  CHECK(pairs[0].var == sl::any_variable(p.w));
  CHECK(pairs[0].has_gradient());
  CHECK(!pairs[1].has_gradient());  // TF's None: the loss does not depend on it
  auto grad = pairs[0].gradient<double, shape<3>>();
  auto train = opt.apply_gradients({sl::train::grad_and_var::of(grad * 0.5, p.w)});
  sl::Session sess(p.g);
  sess.run(sl::global_variables_initializer(p.g));
  sess.run(train);
  const xt::xtensor<double, 1> w = sess.run(p.w);
  for (std::size_t i = 0; i < 3; ++i) CHECK(w(i) == doctest::Approx(p.w0[i] - 0.5 * (p.w0[i] - p.t0[i])));
  CHECK(sess.run(unused) == 3.0);
  CHECK_THROWS_WITH_AS(opt.apply_gradients({pairs[1]}),
                       "No gradients provided for any variable, check your graph for ops that do not support gradients, "
                       "between variables [unused] and loss.",
                       sl::invalid_argument);
  auto wrong_type = [&] { return pairs[0].gradient<float, shape<3>>(); };
  CHECK_THROWS_AS((void)wrong_type(), sl::invalid_argument);
}

TEST_CASE("an update of an uninitialised variable names it") {
  problem p;
  auto train = sl::train::AdamOptimizer(0.01).minimize(p.loss);
  sl::Session sess(p.g);
  sess.run(p.w.initializer());
  CHECK_THROWS_WITH_AS(sess.run(train), "Attempting to use uninitialized value beta1_power", sl::failed_precondition);
}

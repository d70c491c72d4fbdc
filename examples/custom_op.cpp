// A custom op, written as a user writes one (sessionlib/custom_op.hpp): a kernel
// per element type, a typed front function, and, for an op with state, its
// definition so the planner never folds or merges it.
//
//   Softsign(x) = x / (1 + |x|)          a plain computation: no definition needed
//   Counter(x)  = x + (times run so far) stateful: defined with op_flags::stateful
//
// The example checks every value against a plain loop and exits non-zero on a
// mismatch.
#include <atomic>
#include <cmath>
#include <cstdio>

#include <sessionlib/custom_op.hpp>
#include <sessionlib/sessionlib.hpp>

namespace sl = sessionlib;

namespace my {

template <class T>
void softsign_kernel(sl::kernel_context& ctx) {
  const sl::any_array& x = ctx.input(0);
  ctx.out.ensure(x.dtype(), x.shape());
  const T* in = x.data<T>();
  T* out = ctx.out.data<T>();
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = in[i] / (T(1) + std::abs(in[i]));
}

/// Softsign of a floating-point tensor, of its shape (tf.nn.softsign).
template <sl::TensorLike X>
auto softsign(const X& x, const std::string& name = "") {
  using T = sl::value_type_of<X>;
  static_assert(std::is_floating_point_v<T>, "my::softsign: x must be floating-point");
  return sl::make_tensor<T, sl::shape_of<X>>(
      sl::as_tensor(x).graph(), {.op = "Softsign", .name = name, .inputs = {sl::as_tensor(x).id()},
                                 .kernel = softsign_kernel<T>});
}

inline std::atomic<int> counter_runs{0};

template <class T>
void counter_kernel(sl::kernel_context& ctx) {
  const sl::any_array& x = ctx.input(0);
  ctx.out.ensure(x.dtype(), x.shape());
  const T k = static_cast<T>(counter_runs++);
  for (std::size_t i = 0; i < x.size(); ++i) ctx.out.data<T>()[i] = x.data<T>()[i] + k;
}

/// x plus the number of times any Counter ran before: state outside the graph,
/// so its definition says stateful, and two Counters of one input never merge.
template <sl::TensorLike X>
auto counter(const X& x, const std::string& name = "") {
  static const sl::op_def& def = sl::define_op({.type = "Counter", .flags = sl::op_flags::stateful});
  using T = sl::value_type_of<X>;
  return sl::make_tensor<T, sl::shape_of<X>>(
      sl::as_tensor(x).graph(),
      {.op = def.type, .name = name, .inputs = {sl::as_tensor(x).id()}, .kernel = counter_kernel<T>});
}

}  // namespace my

int main() {
  int failures = 0;
  auto expect = [&](bool ok, const char* what) {
    if (!ok) {
      std::fprintf(stderr, "MISMATCH: %s\n", what);
      ++failures;
    }
  };

  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn>>(g, "x");
  auto y = my::softsign(x * 2.0f, "softsign");  // Tensor<float, shape<dyn>>
  static_assert(std::is_same_v<decltype(y), sl::Tensor<float, sl::shape<sl::dyn>>>);
  auto c = sl::constant(g, {1.0f, 2.0f});
  auto a = my::counter(c, "a"), b = my::counter(c, "b");  // identical, but stateful: both run

  sl::Session sess(g);
  xt::xtensor<float, 1> xv{-2.0f, -0.5f, 0.0f, 1.0f, 3.0f};
  xt::xtensor<float, 1> ys = sess.run(y, {{x, xv}});
  for (std::size_t i = 0; i < xv.size(); ++i) {
    const float v = 2.0f * xv(i);
    expect(std::abs(ys(i) - v / (1.0f + std::abs(v))) < 1e-6f, "softsign value");
  }
  std::printf("softsign(2x) = [%g %g %g %g %g]\n", double(ys(0)), double(ys(1)), double(ys(2)), double(ys(3)),
              double(ys(4)));

  expect(g.at(y.id()).op == "Softsign", "the node's op type");
  expect(!g.at(y.id()).def->is(sl::op_flags::stateful), "Softsign has no flags");
  expect(g.at(a.id()).def->is(sl::op_flags::stateful), "Counter is stateful");

  my::counter_runs = 0;
  auto [av, bv] = sess.run(std::tuple{a, b});
  expect(my::counter_runs == 2, "two stateful Counters both ran (never merged)");
  expect(av(0) + bv(0) == 1.0f + 1.0f + 0.0f + 1.0f, "Counter values");
  auto av2 = sess.run(a);
  expect(av2(0) == 1.0f + 2.0f, "a stateful op runs on every run (never folded)");
  std::printf("counter: a=%g b=%g, then a=%g\n", double(av(0)), double(bv(0)), double(av2(0)));

  try {
    sl::define_op({.type = "Counter", .flags = sl::op_flags::none});
    expect(false, "redefining Counter with other flags must throw");
  } catch (const sl::already_exists& e) {
    std::printf("redefinition: %s\n", e.what());
  }
  return failures == 0 ? 0 : 1;
}

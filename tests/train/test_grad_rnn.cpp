// Gradients through the recurrent cells and static_rnn (issue 16), checked
// against central differences in double: with respect to the inputs, the
// initial state and each cell's variables (a LSTM, a GRU, and a MultiRNNCell
// over three steps).
#include <sessionlib/sessionlib.hpp>

#include <doctest/doctest.h>

#include "../ops/rnn_reference.hpp"
#include "numeric_grad.hpp"

namespace sl = sessionlib;
namespace rc = sl::nn::rnn_cell;

namespace {
/// CHECKs sl::gradients(y, v) for variable v against central differences of
/// sum(y), setting v through an assign fed the perturbed values.
template <class Y, class V>
void check_variable(sl::Session& sess, const Y& y, const V& v, const sl::feed_dict& feeds, double tol = 1e-6) {
  using S = typename V::shape_type;
  auto value = sl::placeholder<double, S>(v.graph(), "value");
  auto set = v.assign(value);
  const auto dv = sl::gradients(y, v);
  static_assert(std::is_same_v<decltype(dv), const sl::Tensor<double, S>>);
  const xt::xarray<double> v0 = xt::xarray<double>(sess.run(v));
  const xt::xarray<double> sym = sess.run(dv, feeds);
  xt::xarray<double> cur = v0;
  auto f = [&] {
    sess.run(set, {{value, cur}});
    return numeric_grad::total(sess.run(y, feeds));
  };
  for (std::size_t i = 0; i < v0.size(); ++i) {
    const double h = 1e-5;
    cur.flat(i) = v0.flat(i) + h;
    const double fp = f();
    cur.flat(i) = v0.flat(i) - h;
    const double fm = f();
    cur.flat(i) = v0.flat(i);
    const double num = (fp - fm) / (2 * h);
    INFO("element " << i << " of " << v.name() << ": symbolic " << sym.flat(i) << ", numeric " << num);
    CHECK(std::abs(sym.flat(i) - num) <= tol * std::max(1.0, std::abs(num)));
  }
  sess.run(set, {{value, v0}});
}
}  // namespace

TEST_CASE("static_rnn of a BasicLSTMCell: gradients to the inputs, the initial state and the variables") {
  sl::Graph g;
  auto x = sl::placeholder<double, sl::shape<sl::dyn, 3, 2>>(g, "x");
  auto c0 = sl::placeholder<double, sl::shape<sl::dyn, 3>>(g, "c0");
  auto h0 = sl::placeholder<double, sl::shape<sl::dyn, 3>>(g, "h0");
  rc::BasicLSTMCell<3, 2, double> cell(g, {.seed = 5});
  auto [outs, state] = sl::nn::static_rnn(cell, x, rc::LSTMStateTuple{c0, h0});
  // Every output and the final cell state count, weighted so no symmetry hides an error.
  auto y = sl::reduce_sum(outs[0] * 0.5 + outs[2] * outs[1] + sl::square(state.c) * 0.3);
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  sess.run(cell.bias().assign(sl::constant<sl::shape<12>>(g, rnn_reference::bias(12))));
  const auto xv = numeric_grad::values({2, 3, 2}, -1, 1, 1);
  const auto cv = numeric_grad::values({2, 3}, -1, 1, 2), hv = numeric_grad::values({2, 3}, -1, 1, 3);
  numeric_grad::check(sess, y, x, xv, {{c0, cv}, {h0, hv}});
  numeric_grad::check(sess, y, c0, cv, {{x, xv}, {h0, hv}});
  numeric_grad::check(sess, y, h0, hv, {{x, xv}, {c0, cv}});
  check_variable(sess, y, cell.kernel(), {{x, xv}, {c0, cv}, {h0, hv}});
  check_variable(sess, y, cell.bias(), {{x, xv}, {c0, cv}, {h0, hv}});
}

TEST_CASE("static_rnn of a MultiRNNCell (GRU over a clipped LSTMCell over a BasicRNNCell): gradients") {
  sl::Graph g;
  auto x = sl::placeholder<double, sl::shape<sl::dyn, 3, 2>>(g, "x");
  rc::BasicRNNCell<3, 2, double> first(g, {.seed = 1});
  rc::LSTMCell<2, 3, double> second(g, {.cell_clip = 0.4, .seed = 2});
  rc::GRUCell<2, 2, double> third(g, {.seed = 3});
  rc::MultiRNNCell cell{first, second, third};
  auto [outs, state] = sl::nn::static_rnn(cell, x);
  auto y = sl::reduce_sum(outs[2] * outs[1] + std::get<1>(state).h * 0.7) + sl::reduce_sum(std::get<0>(state) * 0.2);
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  const auto xv = numeric_grad::values({2, 3, 2}, -1, 1, 4);
  numeric_grad::check(sess, y, x, xv);
  check_variable(sess, y, first.kernel(), {{x, xv}});
  check_variable(sess, y, second.kernel(), {{x, xv}});
  check_variable(sess, y, second.bias(), {{x, xv}});
  check_variable(sess, y, third.gates_kernel(), {{x, xv}});
  check_variable(sess, y, third.gates_bias(), {{x, xv}});
  check_variable(sess, y, third.candidate_kernel(), {{x, xv}});
  check_variable(sess, y, third.candidate_bias(), {{x, xv}});
}

TEST_CASE("dynamic_rnn (a Scan over time): gradients with and without sequence_length, equal to static_rnn's") {
  sl::Graph g;
  auto x = sl::placeholder<double, sl::shape<sl::dyn, 3, 2>>(g, "x");
  auto len = sl::placeholder<std::int32_t, sl::shape<sl::dyn>>(g, "len");
  rc::BasicLSTMCell<3, 2, double> cell(g, {.seed = 7});
  auto [seq, last] = sl::nn::dynamic_rnn(cell, x);
  auto [mseq, mlast] = sl::nn::dynamic_rnn(cell, x, len);
  auto [outs, state] = sl::nn::static_rnn(cell, x);
  auto y = sl::reduce_sum(seq * seq) + sl::reduce_sum(last.c * 0.3);
  auto ys = sl::reduce_sum(outs[0] * outs[0] + outs[1] * outs[1] + outs[2] * outs[2]) + sl::reduce_sum(state.c * 0.3);
  auto ym = sl::reduce_sum(mseq * mseq) + sl::reduce_sum(mlast.c * 0.3) + sl::reduce_sum(mlast.h);
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  sess.run(cell.bias().assign(sl::constant<sl::shape<12>>(g, rnn_reference::bias(12))));
  const auto xv = numeric_grad::values({2, 3, 2}, -1, 1, 6);
  const xt::xtensor<std::int32_t, 1> lv{3, 1};
  numeric_grad::check(sess, y, x, xv);
  numeric_grad::check(sess, ym, x, xv, {{len, lv}});
  check_variable(sess, y, cell.kernel(), {{x, xv}});
  check_variable(sess, ym, cell.kernel(), {{x, xv}, {len, lv}});
  check_variable(sess, ym, cell.bias(), {{x, xv}, {len, lv}});
  // The loop's gradient is the unrolled one's.
  const xt::xtensor<double, 2> dk = sess.run(sl::gradients(y, cell.kernel()), {{x, xv}});
  const xt::xtensor<double, 2> dks = sess.run(sl::gradients(ys, cell.kernel()), {{x, xv}});
  rnn_reference::check_close(dk, dks, 1e-12);
  // Past a sequence's length nothing flows back: the second sequence's steps 1 and 2 get zero gradient.
  const xt::xtensor<double, 3> dx = sess.run(sl::gradients(ym, x), {{x, xv}, {len, lv}});
  for (std::size_t t = 1; t < 3; ++t)
    for (std::size_t j = 0; j < 2; ++j) CHECK(dx(1, t, j) == 0.0);
}

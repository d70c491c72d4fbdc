// Recurrent cells and networks (issue 16): each cell's step against a plain C++
// reference with fixed weights, TF's variable names, one set of variables per
// cell, static_rnn against the reference loop, dynamic_rnn equal to static_rnn
// on the same weights (every step, and with sequence_length: zeros past a
// sequence's end, its state copied through), a dyn time axis, and the types.
#include <sessionlib/sessionlib.hpp>

#include <optional>
#include <string>

#include <doctest/doctest.h>
#include <xtensor/xview.hpp>

#include "rnn_reference.hpp"

namespace sl = sessionlib;
namespace rc = sl::nn::rnn_cell;
using rnn_reference::check_close;
using rnn_reference::mat;
using rnn_reference::vec;

namespace {
/// Sets variable v to `value` in `sess`.
template <class V, class E>
void load(sl::Session& sess, const V& v, const E& value) {
  sess.run(v.assign(sl::constant<typename V::shape_type>(v.graph(), value)));
}
}  // namespace

TEST_CASE("BasicRNNCell: one step is tanh([x, h] kernel + bias); TF's names and types") {
  sl::Graph g;
  auto x = sl::placeholder<double, sl::shape<sl::dyn, 3>>(g, "x");
  auto h = sl::placeholder<double, sl::shape<sl::dyn, 4>>(g, "h");
  rc::BasicRNNCell<4, 3, double> cell(g);
  static_assert(std::is_same_v<rc::BasicRNNCell<4, 3, double>::state_type, sl::Tensor<double, sl::shape<sl::dyn, 4>>>);
  auto [out, next] = cell(x, h);
  static_assert(std::is_same_v<decltype(out), sl::Tensor<double, sl::shape<sl::dyn, 4>>>);
  static_assert(std::is_same_v<decltype(next), sl::Tensor<double, sl::shape<sl::dyn, 4>>>);
  CHECK(cell.kernel().name() == "rnn/basic_rnn_cell/kernel:0");
  CHECK(cell.bias().name() == "rnn/basic_rnn_cell/bias:0");
  static_assert(std::is_same_v<sl::shape_of<std::remove_cvref_t<decltype(cell.kernel())>>, sl::shape<7, 4>>);
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  CHECK(sess.run(cell.bias()) == xt::xtensor<double, 1>(xt::zeros<double>({4})));  // zero bias
  const mat k = rnn_reference::weights(7, 4);
  const vec b = rnn_reference::bias(4);
  load(sess, cell.kernel(), k);
  load(sess, cell.bias(), b);
  const mat xv = rnn_reference::weights(2, 3, 1.0, 0.3), hv = rnn_reference::weights(2, 4, 0.8, 1.1);
  const auto [o, s] = sess.run(std::pair{out, next}, {{x, xv}, {h, hv}});
  check_close(o, rnn_reference::rnn_step(xv, hv, k, b));
  check_close(s, o, 0.0);
}

TEST_CASE("BasicLSTMCell: gates i, j, f, o, forget_bias 1, state an LSTMStateTuple") {
  sl::Graph g;
  auto x = sl::placeholder<double, sl::shape<sl::dyn, 3>>(g, "x");
  auto c = sl::placeholder<double, sl::shape<sl::dyn, 2>>(g, "c");
  auto h = sl::placeholder<double, sl::shape<sl::dyn, 2>>(g, "h");
  rc::BasicLSTMCell<2, 3, double> cell(g);
  using H = sl::Tensor<double, sl::shape<sl::dyn, 2>>;
  static_assert(std::is_same_v<decltype(cell)::state_type, rc::LSTMStateTuple<H, H>>);
  CHECK(cell.forget_bias() == 1.0);
  CHECK(cell.kernel().name() == "rnn/basic_lstm_cell/kernel:0");
  CHECK(cell.bias().name() == "rnn/basic_lstm_cell/bias:0");
  static_assert(std::is_same_v<sl::shape_of<std::remove_cvref_t<decltype(cell.kernel())>>, sl::shape<5, 8>>);
  auto [out, next] = cell(x, rc::LSTMStateTuple{c, h});
  static_assert(std::is_same_v<decltype(next), rc::LSTMStateTuple<H, H>>);
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  const mat k = rnn_reference::weights(5, 8);
  const vec b = rnn_reference::bias(8);
  load(sess, cell.kernel(), k);
  load(sess, cell.bias(), b);
  const mat xv = rnn_reference::weights(3, 3, 1.0, 0.3), cv = rnn_reference::weights(3, 2, 0.9, 2.0),
            hv = rnn_reference::weights(3, 2, 0.6, 1.1);
  // The state fetches as an LSTMStateTuple of arrays.
  const auto [o, s] = sess.run(std::pair{out, next}, {{x, xv}, {c, cv}, {h, hv}});
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(s)>, rc::LSTMStateTuple<xt::xtensor<double, 2>, xt::xtensor<double, 2>>>);
  const auto [c2, h2] = rnn_reference::lstm_step(xv, cv, hv, k, b);
  check_close(s.c, c2);
  check_close(s.h, h2);
  check_close(o, s.h, 0.0);
  SUBCASE("another forget_bias") {
    rc::BasicLSTMCell<2, 3, double> other(g, {.forget_bias = 0.25, .name = "other"});
    CHECK(other.kernel().name() == "rnn/other/kernel:0");
    auto [o2, s2] = other(x, rc::LSTMStateTuple{c, h});
    sess.run(sl::variables_initializer(g, {other.kernel(), other.bias()}));
    load(sess, other.kernel(), k);
    load(sess, other.bias(), b);
    const auto [cr, hr] = rnn_reference::lstm_step(xv, cv, hv, k, b, 0.25);
    check_close(sess.run(s2.c, {{x, xv}, {c, cv}, {h, hv}}), cr);
  }
}

TEST_CASE("LSTMCell clips the cell state; GRUCell's gates and candidate; the zero state") {
  sl::Graph g;
  auto x = sl::placeholder<double, sl::shape<sl::dyn, 3>>(g, "x");
  auto h = sl::placeholder<double, sl::shape<sl::dyn, 2>>(g, "h");
  rc::LSTMCell<2, 3, double> lstm(g, {.cell_clip = 0.3});
  rc::GRUCell<2, 3, double> gru(g);
  CHECK(lstm.kernel().name() == "rnn/lstm_cell/kernel:0");
  CHECK(gru.gates_kernel().name() == "rnn/gru_cell/gates/kernel:0");
  CHECK(gru.gates_bias().name() == "rnn/gru_cell/gates/bias:0");
  CHECK(gru.candidate_kernel().name() == "rnn/gru_cell/candidate/kernel:0");
  CHECK(gru.candidate_bias().name() == "rnn/gru_cell/candidate/bias:0");
  auto zero = lstm.zero_state(x);
  auto [lo, ls] = lstm(x, rc::LSTMStateTuple{h * 3.0, h});
  auto [go, gs] = gru(x, h);
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  CHECK(sess.run(gru.gates_bias()) == xt::xtensor<double, 1>(xt::ones<double>({4})));  // TF's gate bias: ones
  CHECK(sess.run(gru.candidate_bias()) == xt::xtensor<double, 1>(xt::zeros<double>({2})));
  const mat k = rnn_reference::weights(5, 8), gk = rnn_reference::weights(5, 4, 0.7, 0.2), ck = rnn_reference::weights(5, 2, 0.6, 0.9);
  const vec b = rnn_reference::bias(8), gb = rnn_reference::bias(4, 0.3, 0.1), cb = rnn_reference::bias(2, 0.1, 0.7);
  load(sess, lstm.kernel(), k);
  load(sess, lstm.bias(), b);
  load(sess, gru.gates_kernel(), gk);
  load(sess, gru.gates_bias(), gb);
  load(sess, gru.candidate_kernel(), ck);
  load(sess, gru.candidate_bias(), cb);
  const mat xv = rnn_reference::weights(4, 3, 1.0, 0.3), hv = rnn_reference::weights(4, 2, 0.6, 1.1);
  const mat cv = hv * 3.0;
  const auto [c2, h2] = rnn_reference::lstm_step(xv, cv, hv, k, b, 1.0, 0.3);
  const auto [zc, zh] = sess.run(zero, {{x, xv}});
  CHECK(zc == xt::xtensor<double, 2>(xt::zeros<double>({4, 2})));
  CHECK(zh == xt::xtensor<double, 2>(xt::zeros<double>({4, 2})));
  const auto ls_v = sess.run(ls, {{x, xv}, {h, hv}});
  check_close(ls_v.c, c2);
  check_close(ls_v.h, h2);
  CHECK(xt::amax(xt::abs(ls_v.c))() <= 0.3);
  check_close(sess.run(gs, {{x, xv}, {h, hv}}), rnn_reference::gru_step(xv, hv, gk, gb, ck, cb));
}

TEST_CASE("MultiRNNCell stacks the layers; every call reuses each cell's variables") {
  sl::Graph g;
  auto x = sl::placeholder<double, sl::shape<sl::dyn, 3>>(g, "x");
  rc::BasicLSTMCell<4, 3, double> lower(g);
  rc::GRUCell<2, 4, double> upper(g);
  rc::MultiRNNCell stacked{lower, upper};
  using S = std::tuple<rc::BasicLSTMCell<4, 3, double>::state_type, rc::GRUCell<2, 4, double>::state_type>;
  static_assert(std::is_same_v<decltype(stacked)::state_type, S>);
  static_assert(decltype(stacked)::units == 2 && decltype(stacked)::input_width == 3);
  const std::size_t variables = sl::trainable_variables(g).size();
  auto [o1, s1] = stacked(x, stacked.zero_state(x));
  auto [o2, s2] = stacked(x * 0.5, s1);
  CHECK(sl::trainable_variables(g).size() == variables);  // 2 + 4, made by the constructors
  CHECK(variables == 6);
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  const mat k = rnn_reference::weights(7, 16), gk = rnn_reference::weights(6, 4, 0.7, 0.2), ck = rnn_reference::weights(6, 2, 0.6, 0.9);
  const vec b = rnn_reference::bias(16), gb = rnn_reference::bias(4), cb = rnn_reference::bias(2, 0.1, 0.7);
  load(sess, lower.kernel(), k);
  load(sess, lower.bias(), b);
  load(sess, upper.gates_kernel(), gk);
  load(sess, upper.gates_bias(), gb);
  load(sess, upper.candidate_kernel(), ck);
  load(sess, upper.candidate_bias(), cb);
  const mat xv = rnn_reference::weights(2, 3, 1.0, 0.3);
  const mat z4 = xt::zeros<double>({2, 4}), z2 = xt::zeros<double>({2, 2});
  auto [c1, h1] = rnn_reference::lstm_step(xv, z4, z4, k, b);
  mat g1 = rnn_reference::gru_step(h1, z2, gk, gb, ck, cb);
  const mat half = xv * 0.5;
  auto [c2, h2] = rnn_reference::lstm_step(half, c1, h1, k, b);
  mat g2 = rnn_reference::gru_step(h2, g1, gk, gb, ck, cb);
  const auto [ov, sv] = sess.run(std::pair{o2, s2}, {{x, xv}});
  check_close(ov, g2);
  check_close(std::get<0>(sv).c, c2);
  check_close(std::get<1>(sv), ov, 0.0);
  check_close(sess.run(o1, {{x, xv}}), g1);
}

TEST_CASE("static_rnn unrolls the cell; dynamic_rnn gives the same outputs and state") {
  sl::Graph g;
  constexpr std::size_t B = 3, T = 5, W = 2, U = 4;
  auto x = sl::placeholder<double, sl::shape<sl::dyn, T, W>>(g, "x");
  rc::BasicLSTMCell<U, W, double> cell(g);
  auto [outs, state] = sl::nn::static_rnn(cell, x);
  static_assert(std::is_same_v<decltype(outs), std::array<sl::Tensor<double, sl::shape<sl::dyn, U>>, T>>);
  auto [seq, last] = sl::nn::dynamic_rnn(cell, x);
  static_assert(std::is_same_v<decltype(seq), sl::Tensor<double, sl::shape<sl::dyn, T, U>>>);
  static_assert(std::is_same_v<decltype(last), decltype(cell)::state_type>);
  CHECK(g.at(seq.id().node).op == "Transpose");
  CHECK(sl::trainable_variables(g).size() == 2);
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  const mat k = rnn_reference::weights(W + U, 4 * U);
  const vec b = rnn_reference::bias(4 * U);
  load(sess, cell.kernel(), k);
  load(sess, cell.bias(), b);
  const auto xv = rnn_reference::sequence(B, T, W);
  // The reference loop.
  mat c = xt::zeros<double>({B, U}), h = c;
  std::vector<mat> ref;
  for (std::size_t t = 0; t < T; ++t) {
    std::tie(c, h) = rnn_reference::lstm_step(rnn_reference::step_of(xv, t), c, h, k, b);
    ref.push_back(h);
  }
  const auto [so, ss] = sess.run(std::pair{outs, state}, {{x, xv}});
  for (std::size_t t = 0; t < T; ++t) check_close(so[t], ref[t]);
  check_close(ss.c, c);
  check_close(ss.h, h);
  const auto [dseq, dlast] = sess.run(std::pair{seq, last}, {{x, xv}});
  for (std::size_t t = 0; t < T; ++t)
    check_close(xt::xtensor<double, 2>(xt::view(dseq, xt::all(), t, xt::all())), ref[t]);
  check_close(dlast.c, c);
  check_close(dlast.h, h);
}

TEST_CASE("dynamic_rnn with sequence_length: zeros past each end, the state copied through; dyn time; a MultiRNNCell") {
  sl::Graph g;
  constexpr std::size_t B = 3, T = 4, W = 2;
  auto x = sl::placeholder<double, sl::shape<sl::dyn, T, W>>(g, "x");
  auto xd = sl::placeholder<double, sl::shape<sl::dyn, sl::dyn, W>>(g, "xd");
  auto len = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "len");
  rc::BasicRNNCell<3, W, double> lower(g);
  rc::BasicLSTMCell<2, 3, double> upper(g);
  rc::MultiRNNCell cell{lower, upper};
  auto [seq, last] = sl::nn::dynamic_rnn(cell, x, len);
  auto [dseq, dlast] = sl::nn::dynamic_rnn(cell, xd, len);
  static_assert(std::is_same_v<decltype(dseq), sl::Tensor<double, sl::shape<sl::dyn, sl::dyn, 2>>>);
  auto [outs, state] = sl::nn::static_rnn(cell, x);
  auto [every, every_last] = sl::nn::dynamic_rnn(cell, xd, std::nullopt, cell.zero_state(xd));
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  const auto xv = rnn_reference::sequence(B, T, W);
  const xt::xtensor<std::int64_t, 1> lv{4, 1, 2};
  const auto [sv, lastv] = sess.run(std::pair{seq, last}, {{x, xv}, {len, lv}});
  const auto [sov, stv] = sess.run(std::pair{outs, state}, {{x, xv}});
  const auto [dsv, dlastv] = sess.run(std::pair{dseq, dlast}, {{xd, xv}, {len, lv}});
  check_close(dsv, sv, 0.0);
  for (std::size_t b = 0; b < B; ++b) {
    const auto n = static_cast<std::size_t>(lv(b));
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t j = 0; j < 2; ++j) {
        INFO("sequence " << b << ", step " << t);
        CHECK(sv(b, t, j) == doctest::Approx(t < n ? sov[t](b, j) : 0.0).epsilon(1e-12));
      }
    // The final state is the state after step n - 1 of the unmasked run (static_rnn's outputs are h).
    for (std::size_t j = 0; j < 2; ++j) {
      CHECK(std::get<1>(lastv).h(b, j) == doctest::Approx(sov[n - 1](b, j)).epsilon(1e-12));
      CHECK(std::get<1>(dlastv).h(b, j) == std::get<1>(lastv).h(b, j));
    }
  }
  // Without sequence_length: the static run's final state.
  const auto everyv = sess.run(every_last, {{xd, xv}});
  check_close(std::get<0>(everyv), std::get<0>(stv), 1e-12);
  check_close(std::get<1>(everyv).c, std::get<1>(stv).c, 1e-12);
  check_close(std::get<1>(everyv).h, std::get<1>(stv).h, 1e-12);
  // A shorter feed along the dyn time axis.
  const xt::xtensor<double, 3> two = xt::view(xv, xt::all(), xt::range(0, 2), xt::all());
  const auto ev = sess.run(every, {{xd, two}});
  CHECK(ev.shape(1) == 2);
  check_close(xt::xtensor<double, 2>(xt::view(ev, xt::all(), 1, xt::all())), sov[1], 1e-12);
}

TEST_CASE("Cells and rnns take a static batch; a second cell's variables get their own names") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<8, 5, 3>>(g, "x");
  rc::BasicLSTMCell<4, 3> first(g), second(g);
  CHECK(second.kernel().name() == "rnn/basic_lstm_cell_1/kernel:0");
  auto [outs, state] = sl::nn::static_rnn(second, x);
  auto [seq, last] = sl::nn::dynamic_rnn(first, x, std::nullopt, first.zero_state(x));
  static_assert(std::is_same_v<decltype(seq), sl::Tensor<float, sl::shape<sl::dyn, 5, 4>>>);
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  const xt::xtensor<float, 3> xv = xt::ones<float>({8, 5, 3});
  CHECK(sess.run(seq, {{x, xv}}).shape() == std::array<std::size_t, 3>{8, 5, 4});
  CHECK(sess.run(outs[4], {{x, xv}}).shape() == std::array<std::size_t, 2>{8, 4});
}

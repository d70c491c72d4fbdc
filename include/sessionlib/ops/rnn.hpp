// Running a recurrent cell (ops/rnn_cell.hpp) over a sequence, TF's
// tf.nn.static_rnn and tf.nn.dynamic_rnn.
//
//   sl::nn::rnn_cell::BasicLSTMCell<128, 28> cell(g);
//   auto [outputs, state] = sl::nn::static_rnn(cell, sl::unstack<1>(x));   // x: [batch, 28, 28]
//   // outputs: std::array of 28 Tensor<float, shape<dyn, 128>>; state: LSTMStateTuple{c, h}
//   auto [seq, last] = sl::nn::dynamic_rnn(cell, x, lengths);             // seq: [batch, 28, 128]
//
// static_rnn unrolls the cell, one copy of its step per time step (the time is
// the std::array's size). dynamic_rnn runs one copy of the step in a loop: a
// Scan node (ops/functional.hpp) over the time axis whose carry is the state
// and the last output packed side by side in one [batch, n] tensor (the
// state's tensors in order, then the output). With `sequence_length`, a
// sequence's outputs past its length are zeros and its state is copied
// through, so the final state is each sequence's state at its last step (TF's
// semantics). The types are checked at compile time: the input's width and
// dtype against the cell's, the initial state against the cell's state type
// (messages "sessionlib: rnn_cell: ..." and "sessionlib: dynamic_rnn: ...").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "control.hpp"
#include "functional.hpp"
#include "reduce.hpp"
#include "rnn_cell.hpp"

namespace sessionlib {

namespace report {
template <class Inputs>
constexpr void dynamic_rnn_inputs() {
  // Inputs is the tensor given: dynamic_rnn takes [batch, time, width] (TF's time_major=False).
  static_assert(always_false<Inputs>, "sessionlib: dynamic_rnn: inputs must be a 3-D tensor [batch, time, width]");
}
template <class Lengths>
constexpr void dynamic_rnn_sequence_length() {
  // Lengths is what was given: a 1-D int32 or int64 tensor [batch], or std::nullopt (every step).
  static_assert(always_false<Lengths>, "sessionlib: dynamic_rnn: sequence_length must be a 1-D integer tensor [batch]");
}
}  // namespace report

namespace detail::rnn {
/// What `cell(x, state)` returns (void when the call is refused at compile time).
template <class Cell, class X, class S>
using step_result = decltype(std::declval<const Cell&>()(std::declval<const X&>(), std::declval<const S&>()));

/// True for a 1-D int32 or int64 tensor (dynamic_rnn's sequence_length).
template <class L>
inline constexpr bool is_lengths = [] {
  if constexpr (TensorLike<L>) {
    return shape_of<L>::rank() == 1 &&
           (std::is_same_v<value_type_of<L>, std::int32_t> || std::is_same_v<value_type_of<L>, std::int64_t>);
  } else {
    return false;
  }
}();

/// The packed carry of dynamic_rnn: the state's tensors, then `out`, side by side.
template <class State, class Out>
auto pack(const State& s, const Out& out) {
  return std::apply([&](const auto&... leaf) { return concat<1>(leaf..., out); }, state_traits<State>::leaves(s));
}

/// The same, each of the state's tensors `m next + (1 - m) old` and the output
/// `m out`: m is 1 for the rows whose sequence is still running, else 0.
template <class State, class Out, class M>
auto pack_masked(const State& next, const State& old, const Out& out, const M& m) {
  const auto n = state_traits<State>::leaves(next);
  const auto o = state_traits<State>::leaves(old);
  const auto keep = static_cast<value_type_of<M>>(1) - m;
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return concat<1>((std::get<I>(n) * m + std::get<I>(o) * keep)..., out * m);
  }(std::make_index_sequence<std::tuple_size_v<std::remove_cvref_t<decltype(n)>>>{});
}
}  // namespace detail::rnn

namespace nn {

/// TF's tf.nn.static_rnn: the cell run over `inputs` (N tensors [batch, width],
/// e.g. sl::unstack<1>(x) of x [batch, N, width]) from `initial_state`;
/// returns std::pair{std::array of the N outputs, the final state}.
template <class Cell, TensorLike X, std::size_t N, class S>
  requires(!std::is_convertible_v<const S&, std::string>)
auto static_rnn(const Cell& cell, const std::array<X, N>& inputs, const S& initial_state, const std::string& name = "rnn") {
  static_assert(N > 0, "sessionlib: static_rnn: needs at least one time step");
  using R = ::sessionlib::detail::rnn::step_result<Cell, X, S>;
  if constexpr (std::is_void_v<R>) {
    return;  // reported by the cell's call
  } else {
    using Out = typename Cell::output_type;
    using State = typename Cell::state_type;
    auto scope = as_tensor(inputs[0]).graph().name_scope(name);
    std::pair<std::array<Out, N>, State> result;
    auto [out, state] = cell(inputs[0], initial_state);
    result.first[0] = out;
    for (std::size_t t = 1; t < N; ++t) std::tie(result.first[t], state) = cell(inputs[t], state);
    result.second = state;
    return result;
  }
}

/// static_rnn from the cell's zero state.
template <class Cell, TensorLike X, std::size_t N>
auto static_rnn(const Cell& cell, const std::array<X, N>& inputs, const std::string& name = "rnn") {
  return static_rnn(cell, inputs, cell.zero_state(inputs[0]), name);
}

/// static_rnn over the time axis of x [batch, N, width] (N static): sl::unstack<1>(x)'s steps.
template <class Cell, TensorLike X, class S>
  requires(shape_of<X>::rank() == 3 && !std::is_convertible_v<const S&, std::string>)
auto static_rnn(const Cell& cell, const X& inputs, const S& initial_state, const std::string& name = "rnn") {
  return static_rnn(cell, unstack<1>(inputs), initial_state, name);
}
template <class Cell, TensorLike X>
  requires(shape_of<X>::rank() == 3)
auto static_rnn(const Cell& cell, const X& inputs, const std::string& name = "rnn") {
  return static_rnn(cell, unstack<1>(inputs), cell.zero_state(inputs), name);
}

/// TF's tf.nn.dynamic_rnn (time_major=False): the cell run over the time axis
/// of `inputs` [batch, time, width] (time static or dyn) in one loop, from
/// `initial_state`; returns std::pair{outputs [batch, time, units], final state}.
/// `sequence_length` is a 1-D int32/int64 tensor [batch] (outputs past a
/// sequence's length are zeros, its state is copied through), or std::nullopt.
template <class Cell, TensorLike X, class L, class S>
  requires(!std::is_convertible_v<const S&, std::string>)
auto dynamic_rnn(const Cell& cell, const X& inputs, const L& sequence_length, const S& initial_state,
                 const std::string& name = "rnn") {
  using T = typename Cell::value_type;
  using State = typename Cell::state_type;
  using traits = ::sessionlib::detail::rnn::state_traits<State>;
  using XS = shape_of<X>;
  constexpr bool masked = !std::is_same_v<L, std::nullopt_t>;
  if constexpr (XS::rank() != 3) {
    report::dynamic_rnn_inputs<X>();  // see its comment
    return;
  } else if constexpr (masked && !::sessionlib::detail::rnn::is_lengths<L>) {
    report::dynamic_rnn_sequence_length<L>();  // see its comment
    return;
  } else if constexpr (std::is_void_v<::sessionlib::detail::rnn::step_result<
                           Cell, Tensor<value_type_of<X>, shape<XS::extents[0], XS::extents[2]>>, S>>) {
    return;  // reported by the cell's call: the input's dtype or width, or the state's type
  } else {
    constexpr std::ptrdiff_t U = Cell::units, SW = traits::width, P = SW + U;
    constexpr std::ptrdiff_t time = XS::extents[1];
    Graph& g = as_tensor(inputs).graph();
    auto scope = g.name_scope(name);
    const auto x_tm = transpose<1, 0, 2>(inputs);  // [time, batch, width]
    const auto carry0 = ::sessionlib::detail::rnn::pack(traits::widen(initial_state),
                                                        ::sessionlib::detail::rnn::zero_rows<T, U>(inputs));
    // The step indices 0, 1, ..., time - 1, counted by a loop over x_tm's rows (time may be dyn).
    const auto steps = [&] {
      const auto counted = scan([](const auto& t, const auto&) { return t + static_cast<T>(1); }, stop_gradient(x_tm),
                                constant(g, static_cast<T>(-1)), "steps");
      return Tensor<T, shape<dyn>>(&g, counted.id());  // seen as dyn
    };
    Tensor<T, shape<time, dyn, P>> carried;
    Tensor<T, shape<dyn>> step_index;
    if constexpr (masked) {
      step_index = steps();
      // mask[t, b] = t < sequence_length[b], as 0 or 1, beside the inputs: [time, batch, width + 1].
      const auto running = less(reshape<shape<time, 1>>(step_index), reshape<shape<1, dyn>>(cast<T>(sequence_length)));
      const auto mask = stop_gradient(expand_dims<2>(cast<T>(running)));
      carried = scan(
          [&cell](const auto& acc, const auto& e) {
            const auto x = slice<offsets<0, 0>, sizes<-1, Cell::input_width>>(e);
            const auto m = slice<offsets<0, Cell::input_width>, sizes<-1, 1>>(e);
            const State old = traits::template unpack<0>(acc);
            const auto [out, next] = cell(x, old);
            return ::sessionlib::detail::rnn::pack_masked(next, old, out, m);
          },
          concat<2>(x_tm, mask), carry0);
    } else {
      carried = scan(
          [&cell](const auto& acc, const auto& x) {
            const auto [out, next] = cell(x, traits::template unpack<0>(acc));
            return ::sessionlib::detail::rnn::pack(next, out);
          },
          x_tm, carry0);
    }
    // outputs: the carry's last U columns, batch first again.
    auto outputs = transpose<1, 0, 2>(slice<offsets<0, 0, SW>, sizes<-1, -1, U>>(carried));
    Tensor<T, shape<dyn, P>> last;
    if constexpr (time != dyn) {
      static_assert(time > 0, "sessionlib: dynamic_rnn: needs at least one time step");
      last = reshape<shape<dyn, P>>(slice<offsets<time - 1, 0, 0>, sizes<1, -1, -1>>(carried));
    } else {
      if constexpr (!masked) step_index = steps();
      last = gather(carried, cast<std::int32_t>(reduce_max(step_index)));
    }
    return std::pair{outputs, traits::template unpack<0>(last)};
  }
}

/// dynamic_rnn from the cell's zero state.
template <class Cell, TensorLike X, class L>
  requires(!std::is_convertible_v<const L&, std::string>)
auto dynamic_rnn(const Cell& cell, const X& inputs, const L& sequence_length, const std::string& name = "rnn") {
  if constexpr (shape_of<X>::rank() != 3) {
    report::dynamic_rnn_inputs<X>();  // see its comment
    return;
  } else {
    return dynamic_rnn(cell, inputs, sequence_length, cell.zero_state(inputs), name);
  }
}
/// dynamic_rnn over every step from the cell's zero state.
template <class Cell, TensorLike X>
auto dynamic_rnn(const Cell& cell, const X& inputs, const std::string& name = "rnn") {
  return dynamic_rnn(cell, inputs, std::nullopt, name);
}

}  // namespace nn
}  // namespace sessionlib

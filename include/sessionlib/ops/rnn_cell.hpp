// Recurrent cells, TF's tf.nn.rnn_cell: BasicRNNCell, BasicLSTMCell, LSTMCell,
// GRUCell and MultiRNNCell (static_rnn and dynamic_rnn, which run a cell over
// a sequence, are in ops/rnn.hpp).
//
// A cell's sizes are template arguments -- `BasicLSTMCell<128, 28>` has 128
// units and takes inputs of width 28 -- so its state and output are C++ types:
// Tensor<T, shape<dyn, Units>> for an RNN or GRU cell, LSTMStateTuple of two
// of them for an LSTM cell (TF's (c, h)), a std::tuple of the layers' states
// for a MultiRNNCell. The batch is `dyn` in both; an input or state of a
// static batch is accepted and seen as `dyn`. `cell(x, state)` returns
// std::pair{output, new_state}; an input of another width or dtype, or a state
// of another type, is a compile error ("sessionlib: rnn_cell: ...").
//
// Weights are Variables created with the cell (one set per cell object, reused
// by every call), named as TF names them: "rnn/basic_lstm_cell/kernel" and
// ".../bias" (a second cell: "rnn/basic_lstm_cell_1/..."); the kernel
// (input width + units rows) is glorot-uniform, the bias zeros (GRUCell's gate
// bias ones, as TF). TF creates a MultiRNNCell's variables under
// "multi_rnn_cell/cell_k/"; here each cell keeps the name it was built with.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../core/report.hpp"
#include "array.hpp"
#include "array_fill.hpp"
#include "constant.hpp"
#include "init.hpp"
#include "linalg.hpp"
#include "math.hpp"
#include "nn.hpp"
#include "split.hpp"
#include "state.hpp"

namespace sessionlib {

namespace nn::rnn_cell {
/// TF's LSTMStateTuple: an LSTM cell's state, the cell state `c` and the output
/// `h`. Fetching one gives an LSTMStateTuple of two arrays.
template <class C, class H>
struct LSTMStateTuple {
  C c;
  H h;
};
template <class C, class H> LSTMStateTuple(C, H) -> LSTMStateTuple<C, H>;

/// A cell's construction options (TF's keyword arguments); a cell ignores the
/// ones it has no use for.
struct options {
  /// Added to the forget gate's pre-activation (BasicLSTMCell, LSTMCell; TF's default 1.0).
  double forget_bias = 1.0;
  /// LSTMCell: the cell state is clipped to [-cell_clip, cell_clip] when > 0 (TF's cell_clip).
  double cell_clip = 0.0;
  /// Seed of the kernels' glorot-uniform initializers (0: the graph's op seeds).
  std::uint64_t seed = 0;
  /// The variables' scope below "rnn/" (default: the cell's TF name, "basic_lstm_cell", ...).
  std::string name = {};
};
}  // namespace nn::rnn_cell

namespace report {
template <std::ptrdiff_t CellWidth, std::ptrdiff_t InputWidth>
constexpr void rnn_input_width() {
  // The cell's input width (its second template argument), then the input's last
  // dimension (-1: dyn): build the cell for this width, or reshape the input.
  static_assert(always_false_dims<CellWidth, InputWidth>, "sessionlib: rnn_cell: the input's width differs from the cell's");
}
template <class Input>
constexpr void rnn_input_rank() {
  // Input is what was given: a cell takes a [batch, width] tensor.
  static_assert(always_false<Input>, "sessionlib: rnn_cell: the input must be a 2-D tensor [batch, width]");
}
template <class CellState, class Given>
constexpr void rnn_state_type() {
  // The cell's state_type, then the state given: the same structure (a tensor,
  // an LSTMStateTuple, a std::tuple per layer), dtype and units; the batch may differ.
  static_assert(always_false<CellState, Given>, "sessionlib: rnn_cell: the state is not the cell's state type");
}
template <std::size_t Layer, std::ptrdiff_t PreviousUnits, std::ptrdiff_t InputWidth>
constexpr void multi_rnn_cell_widths() {
  // Layer `Layer` (from 0) takes inputs of width InputWidth, but the layer below
  // it outputs PreviousUnits: each layer's input width is the previous layer's units.
  static_assert(always_false_dims<PreviousUnits, InputWidth>,
                "sessionlib: MultiRNNCell: a layer's input width differs from the previous layer's units");
}
}  // namespace report

namespace detail::rnn {
/// The tensor `x` seen with a `dyn` first dimension (no node: the same output).
template <class T, std::ptrdiff_t N, TensorLike X>
Tensor<T, shape<dyn, N>> rows(const X& x) {
  const auto t = as_tensor(x);
  return Tensor<T, shape<dyn, N>>(&t.graph(), t.id());
}

/// What a state type is made of: its width (the sum of its tensors' units),
/// whether a given value fits it, the value seen as the state type, its tensors
/// in order, and the state read back from columns [Off, Off + width) of a packed
/// [batch, n] tensor (dynamic_rnn's loop carries the state packed).
template <class S> struct state_traits {
  static constexpr bool is_state = false;
  template <class G> static constexpr bool fits = false;
};
template <class T, std::ptrdiff_t U> struct state_traits<Tensor<T, shape<dyn, U>>> {
  using type = Tensor<T, shape<dyn, U>>;
  static constexpr bool is_state = true;
  static constexpr std::ptrdiff_t width = U;
  template <class G> static constexpr bool fits = [] {
    if constexpr (TensorLike<G>) {
      using S = shape_of<G>;
      if constexpr (S::rank() == 2) return std::is_same_v<value_type_of<G>, T> && S::extents[1] == U;
      else return false;
    } else {
      return false;
    }
  }();
  template <class G> static type widen(const G& g) { return rows<T, U>(g); }
  static std::tuple<type> leaves(const type& s) { return {s}; }
  template <std::ptrdiff_t Off, class P> static type unpack(const P& packed) {
    return slice<offsets<0, Off>, sizes<-1, U>>(packed);
  }
};
template <class C, class H> struct state_traits<nn::rnn_cell::LSTMStateTuple<C, H>> {
  using type = nn::rnn_cell::LSTMStateTuple<C, H>;
  static constexpr bool is_state = state_traits<C>::is_state && state_traits<H>::is_state;
  static constexpr std::ptrdiff_t width = state_traits<C>::width + state_traits<H>::width;
  template <class G> static constexpr bool fits_impl(G*) { return false; }
  template <class GC, class GH> static constexpr bool fits_impl(nn::rnn_cell::LSTMStateTuple<GC, GH>*) {
    return state_traits<C>::template fits<GC> && state_traits<H>::template fits<GH>;
  }
  template <class G> static constexpr bool fits = fits_impl(static_cast<G*>(nullptr));
  template <class G> static type widen(const G& g) {
    return {state_traits<C>::widen(g.c), state_traits<H>::widen(g.h)};
  }
  static auto leaves(const type& s) { return std::tuple_cat(state_traits<C>::leaves(s.c), state_traits<H>::leaves(s.h)); }
  template <std::ptrdiff_t Off, class P> static type unpack(const P& packed) {
    return {state_traits<C>::template unpack<Off>(packed), state_traits<H>::template unpack<Off + state_traits<C>::width>(packed)};
  }
};
template <class... S> struct state_traits<std::tuple<S...>> {
  using type = std::tuple<S...>;
  static constexpr bool is_state = sizeof...(S) > 0 && (state_traits<S>::is_state && ...);
  static constexpr std::ptrdiff_t width = (std::ptrdiff_t{0} + ... + state_traits<S>::width);
  template <class G> static constexpr bool fits_impl(G*) { return false; }
  template <class... G> static constexpr bool fits_impl(std::tuple<G...>*) {
    if constexpr (sizeof...(G) == sizeof...(S)) return (state_traits<S>::template fits<G> && ...);
    else return false;
  }
  template <class G> static constexpr bool fits = fits_impl(static_cast<G*>(nullptr));
  template <class G> static type widen(const G& g) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return type{state_traits<S>::widen(std::get<I>(g))...};
    }(std::index_sequence_for<S...>{});
  }
  static auto leaves(const type& s) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::tuple_cat(state_traits<S>::leaves(std::get<I>(s))...);
    }(std::index_sequence_for<S...>{});
  }
  template <std::ptrdiff_t Off, class P> static type unpack(const P& packed) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      constexpr std::array<std::ptrdiff_t, sizeof...(S)> widths{state_traits<S>::width...};
      constexpr auto at = [widths](std::size_t k) {
        std::ptrdiff_t o = Off;
        for (std::size_t i = 0; i < k; ++i) o += widths[i];
        return o;
      };
      return type{state_traits<S>::template unpack<at(I)>(packed)...};
    }(std::index_sequence_for<S...>{});
  }
};

/// Zeros of shape [batch, U], the batch that of `batch_like` (a [batch, ...] tensor of rank 2 or 3).
template <class T, std::ptrdiff_t U, TensorLike X>
Tensor<T, shape<dyn, U>> zero_rows(const X& batch_like) {
  using S = shape_of<X>;
  static_assert(S::rank() == 2 || S::rank() == 3, "sessionlib: rnn_cell: zero_state takes a [batch, width] or "
                                                  "[batch, time, width] tensor");
  Tensor<T, shape<dyn, 1>> column;
  if constexpr (S::rank() == 2) column = rows<T, 1>(slice<offsets<0, 0>, sizes<-1, 1>>(batch_like));
  else column = rows<T, 1>(reshape<shape<dyn, 1>>(slice<offsets<0, 0, 0>, sizes<-1, 1, 1>>(batch_like)));
  return rows<T, U>(zeros_like(column) + zeros<T, shape<U>>(as_tensor(batch_like).graph()));
}

/// Checks a call `cell(x, state)` (input rank, dtype, width; state type) and
/// runs `step(x, state)` with both seen with a `dyn` batch.
template <class Cell, class X, class S, class Step>
auto checked_call(const X& x, const S& state, Step&& step) {
  using T = typename Cell::value_type;
  using State = typename Cell::state_type;
  if constexpr (!TensorLike<X>) {
    report::rnn_input_rank<X>();  // see its comment
    return;
  } else if constexpr (shape_of<X>::rank() != 2) {
    report::rnn_input_rank<X>();  // see its comment
    return;
  } else if constexpr (!std::is_same_v<value_type_of<X>, T>) {
    report::dtype_mismatch<T, value_type_of<X>>();  // the cell's dtype, then the input's
    return;
  } else if constexpr (shape_of<X>::extents[1] != Cell::input_width) {
    report::rnn_input_width<Cell::input_width, shape_of<X>::extents[1]>();  // see its comment
    return;
  } else if constexpr (!state_traits<State>::template fits<S>) {
    report::rnn_state_type<State, S>();  // see its comment
    return;
  } else {
    return step(rows<T, Cell::input_width>(x), state_traits<State>::widen(state));
  }
}

/// The variables' scope of a cell: "rnn/<name>", made unique.
inline std::string cell_scope(const nn::rnn_cell::options& o, const char* default_name) {
  return "rnn/" + (o.name.empty() ? std::string(default_name) : o.name);
}
}  // namespace detail::rnn

namespace nn::rnn_cell {

/// TF's BasicRNNCell: output = new_state = tanh([x, state] kernel + bias).
template <std::ptrdiff_t Units, std::ptrdiff_t Input, Floating T = float>
class BasicRNNCell {
  static_assert(Units > 0 && Input > 0, "sessionlib: rnn_cell: units and input width must be positive");

 public:
  using value_type = T;
  using state_type = Tensor<T, shape<dyn, Units>>;
  using output_type = Tensor<T, shape<dyn, Units>>;
  static constexpr std::ptrdiff_t units = Units, input_width = Input;

  /// Creates the cell's variables in `g` ("rnn/basic_rnn_cell/kernel", ".../bias").
  explicit BasicRNNCell(Graph& g, const options& o = {}) {
    auto scope = g.name_scope(::sessionlib::detail::rnn::cell_scope(o, "basic_rnn_cell"));
    kernel_ = Variable<T, shape<Input + Units, Units>>(g, init::glorot_uniform<T>(o.seed), "kernel");
    bias_ = Variable<T, shape<Units>>(g, init::zeros<T>(), "bias");
  }
  /// In the thread's default graph.
  explicit BasicRNNCell(const options& o = {}) : BasicRNNCell(get_default_graph(), o) {}

  /// One step: std::pair{output, new_state} for input x [batch, Input].
  template <class X, class S>
  auto operator()(const X& x, const S& state) const {
    return ::sessionlib::detail::rnn::checked_call<BasicRNNCell>(x, state, [&](const auto& in, const state_type& h) {
      state_type next = ::sessionlib::tanh(nn::bias_add(matmul(concat<1>(in, h), kernel_), bias_));
      return std::pair<output_type, state_type>{next, next};
    });
  }
  /// Zeros of the state type, for the batch of `batch_like` ([batch, width] or [batch, time, width]).
  template <TensorLike X>
  state_type zero_state(const X& batch_like) const { return ::sessionlib::detail::rnn::zero_rows<T, Units>(batch_like); }

  const Variable<T, shape<Input + Units, Units>>& kernel() const noexcept { return kernel_; }
  const Variable<T, shape<Units>>& bias() const noexcept { return bias_; }

 private:
  Variable<T, shape<Input + Units, Units>> kernel_;
  Variable<T, shape<Units>> bias_;
};

namespace detail {
/// The LSTM step shared by BasicLSTMCell and LSTMCell: gates i, j, f, o (TF's
/// order) from [x, h] kernel + bias; c' = c sigmoid(f + forget_bias) +
/// sigmoid(i) tanh(j), clipped when clip > 0; h' = tanh(c') sigmoid(o).
template <class T, std::ptrdiff_t U, class X, class K, class B>
auto lstm_step(const X& in, const LSTMStateTuple<Tensor<T, shape<dyn, U>>, Tensor<T, shape<dyn, U>>>& s, const K& kernel,
               const B& bias, double forget_bias, double clip) {
  using H = Tensor<T, shape<dyn, U>>;
  const auto [i, j, f, o] = split<4, 1>(nn::bias_add(matmul(concat<1>(in, s.h), kernel), bias));
  H c = s.c * ::sessionlib::sigmoid(f + static_cast<T>(forget_bias)) + ::sessionlib::sigmoid(i) * ::sessionlib::tanh(j);
  if (clip > 0) {
    Graph& g = as_tensor(c).graph();
    c = minimum(maximum(c, constant(g, static_cast<T>(-clip))), constant(g, static_cast<T>(clip)));
  }
  H h = ::sessionlib::tanh(c) * ::sessionlib::sigmoid(o);
  return std::pair<H, LSTMStateTuple<H, H>>{h, {c, h}};
}

/// The LSTM cells' common part; Name is the TF name of the variables' scope.
template <std::ptrdiff_t Units, std::ptrdiff_t Input, class T>
class lstm_base {
  static_assert(Units > 0 && Input > 0, "sessionlib: rnn_cell: units and input width must be positive");

 public:
  using value_type = T;
  using output_type = Tensor<T, shape<dyn, Units>>;
  using state_type = LSTMStateTuple<output_type, output_type>;
  static constexpr std::ptrdiff_t units = Units, input_width = Input;

  /// One step: std::pair{output h, LSTMStateTuple{c, h}} for input x [batch, Input].
  template <class X, class S>
  auto operator()(const X& x, const S& state) const {
    return ::sessionlib::detail::rnn::checked_call<lstm_base>(x, state, [&](const auto& in, const state_type& s) {
      return lstm_step<T, Units>(in, s, kernel_, bias_, forget_bias_, clip_);
    });
  }
  /// Zeros of the state type, for the batch of `batch_like` ([batch, width] or [batch, time, width]).
  template <TensorLike X>
  state_type zero_state(const X& batch_like) const {
    auto z = ::sessionlib::detail::rnn::zero_rows<T, Units>(batch_like);
    return {z, z};
  }
  /// The [Input + Units, 4 Units] kernel (gate columns i, j, f, o) and the 4 Units bias.
  const Variable<T, shape<Input + Units, 4 * Units>>& kernel() const noexcept { return kernel_; }
  const Variable<T, shape<4 * Units>>& bias() const noexcept { return bias_; }
  double forget_bias() const noexcept { return forget_bias_; }

 protected:
  lstm_base(Graph& g, const options& o, const char* name, double clip) : forget_bias_(o.forget_bias), clip_(clip) {
    auto scope = g.name_scope(::sessionlib::detail::rnn::cell_scope(o, name));
    kernel_ = Variable<T, shape<Input + Units, 4 * Units>>(g, init::glorot_uniform<T>(o.seed), "kernel");
    bias_ = Variable<T, shape<4 * Units>>(g, init::zeros<T>(), "bias");
  }

 private:
  Variable<T, shape<Input + Units, 4 * Units>> kernel_;
  Variable<T, shape<4 * Units>> bias_;
  double forget_bias_ = 1.0, clip_ = 0.0;
};
}  // namespace detail

/// TF's BasicLSTMCell (state_is_tuple): the state is LSTMStateTuple{c, h}, the
/// output h; forget_bias (default 1.0) is added to the forget gate.
template <std::ptrdiff_t Units, std::ptrdiff_t Input, Floating T = float>
class BasicLSTMCell : public detail::lstm_base<Units, Input, T> {
 public:
  /// Creates the cell's variables in `g` ("rnn/basic_lstm_cell/kernel", ".../bias").
  explicit BasicLSTMCell(Graph& g, const options& o = {}) : detail::lstm_base<Units, Input, T>(g, o, "basic_lstm_cell", 0.0) {}
  /// In the thread's default graph.
  explicit BasicLSTMCell(const options& o = {}) : BasicLSTMCell(get_default_graph(), o) {}
};

/// TF's LSTMCell without peepholes or projection: BasicLSTMCell's step with
/// options::cell_clip; variables "rnn/lstm_cell/kernel", ".../bias".
template <std::ptrdiff_t Units, std::ptrdiff_t Input, Floating T = float>
class LSTMCell : public detail::lstm_base<Units, Input, T> {
 public:
  explicit LSTMCell(Graph& g, const options& o = {}) : detail::lstm_base<Units, Input, T>(g, o, "lstm_cell", o.cell_clip) {}
  /// In the thread's default graph.
  explicit LSTMCell(const options& o = {}) : LSTMCell(get_default_graph(), o) {}
};

/// TF's GRUCell: r, u = sigmoid([x, h] gates_kernel + gates_bias) (gate bias
/// ones); c = tanh([x, r h] candidate_kernel + candidate_bias); output =
/// new_state = u h + (1 - u) c. Variables "rnn/gru_cell/gates/kernel", ...
template <std::ptrdiff_t Units, std::ptrdiff_t Input, Floating T = float>
class GRUCell {
  static_assert(Units > 0 && Input > 0, "sessionlib: rnn_cell: units and input width must be positive");

 public:
  using value_type = T;
  using state_type = Tensor<T, shape<dyn, Units>>;
  using output_type = Tensor<T, shape<dyn, Units>>;
  static constexpr std::ptrdiff_t units = Units, input_width = Input;

  explicit GRUCell(Graph& g, const options& o = {}) {
    auto scope = g.name_scope(::sessionlib::detail::rnn::cell_scope(o, "gru_cell"));
    {
      auto gates = g.name_scope("gates");
      gates_kernel_ = Variable<T, shape<Input + Units, 2 * Units>>(g, init::glorot_uniform<T>(o.seed), "kernel");
      gates_bias_ = Variable<T, shape<2 * Units>>(g, init::ones<T>(), "bias");
    }
    auto candidate = g.name_scope("candidate");
    candidate_kernel_ = Variable<T, shape<Input + Units, Units>>(g, init::glorot_uniform<T>(o.seed ? o.seed + 1 : 0), "kernel");
    candidate_bias_ = Variable<T, shape<Units>>(g, init::zeros<T>(), "bias");
  }
  /// In the thread's default graph.
  explicit GRUCell(const options& o = {}) : GRUCell(get_default_graph(), o) {}

  /// One step: std::pair{output, new_state} (the same tensor) for input x [batch, Input].
  template <class X, class S>
  auto operator()(const X& x, const S& state) const {
    return ::sessionlib::detail::rnn::checked_call<GRUCell>(x, state, [&](const auto& in, const state_type& h) {
      const auto [r, u] = split<2, 1>(::sessionlib::sigmoid(nn::bias_add(matmul(concat<1>(in, h), gates_kernel_), gates_bias_)));
      const auto c = ::sessionlib::tanh(nn::bias_add(matmul(concat<1>(in, r * h), candidate_kernel_), candidate_bias_));
      state_type next = u * h + (static_cast<T>(1) - u) * c;
      return std::pair<output_type, state_type>{next, next};
    });
  }
  /// Zeros of the state type, for the batch of `batch_like` ([batch, width] or [batch, time, width]).
  template <TensorLike X>
  state_type zero_state(const X& batch_like) const { return ::sessionlib::detail::rnn::zero_rows<T, Units>(batch_like); }

  const Variable<T, shape<Input + Units, 2 * Units>>& gates_kernel() const noexcept { return gates_kernel_; }
  const Variable<T, shape<2 * Units>>& gates_bias() const noexcept { return gates_bias_; }
  const Variable<T, shape<Input + Units, Units>>& candidate_kernel() const noexcept { return candidate_kernel_; }
  const Variable<T, shape<Units>>& candidate_bias() const noexcept { return candidate_bias_; }

 private:
  Variable<T, shape<Input + Units, 2 * Units>> gates_kernel_;
  Variable<T, shape<2 * Units>> gates_bias_;
  Variable<T, shape<Input + Units, Units>> candidate_kernel_;
  Variable<T, shape<Units>> candidate_bias_;
};

namespace detail {
/// True when each layer's input width is the previous layer's units (else reports the first that is not).
template <std::size_t K, class... Cells>
constexpr bool check_layers() {
  if constexpr (K + 1 >= sizeof...(Cells)) {
    return true;
  } else {
    using Lower = std::tuple_element_t<K, std::tuple<Cells...>>;
    using Upper = std::tuple_element_t<K + 1, std::tuple<Cells...>>;
    if constexpr (Lower::units != Upper::input_width || !std::is_same_v<typename Lower::value_type, typename Upper::value_type>) {
      report::multi_rnn_cell_widths<K + 1, Lower::units, Upper::input_width>();  // see its comment
      return false;
    } else {
      return check_layers<K + 1, Cells...>();
    }
  }
}
}  // namespace detail

/// TF's MultiRNNCell (state_is_tuple): the cells stacked, each layer's output
/// the next one's input; the state is a std::tuple of the layers' states, the
/// output the last layer's. `sl::nn::rnn_cell::MultiRNNCell stacked{cell1, cell2};`
template <class... Cells>
class MultiRNNCell {
  static_assert(sizeof...(Cells) > 0, "sessionlib: MultiRNNCell: needs at least one cell");
  static_assert(detail::check_layers<0, Cells...>() || true);  // a mismatch is reported inside, once
  using first = std::tuple_element_t<0, std::tuple<Cells...>>;
  using last = std::tuple_element_t<sizeof...(Cells) - 1, std::tuple<Cells...>>;

 public:
  using value_type = typename first::value_type;
  using state_type = std::tuple<typename Cells::state_type...>;
  using output_type = typename last::output_type;
  static constexpr std::ptrdiff_t units = last::units, input_width = first::input_width;

  explicit MultiRNNCell(Cells... cells) : cells_(std::move(cells)...) {}

  /// One step through every layer: std::pair{the last layer's output, the layers' new states}.
  template <class X, class S>
  auto operator()(const X& x, const S& state) const {
    return ::sessionlib::detail::rnn::checked_call<MultiRNNCell>(x, state, [&](const auto& in, const state_type& s) {
      return step<0>(in, s, state_type{});
    });
  }
  /// Zeros of every layer's state, for the batch of `batch_like`.
  template <TensorLike X>
  state_type zero_state(const X& batch_like) const {
    return std::apply([&](const auto&... c) { return state_type{c.zero_state(batch_like)...}; }, cells_);
  }
  /// The layers.
  const std::tuple<Cells...>& cells() const noexcept { return cells_; }

 private:
  template <std::size_t K, class In>
  std::pair<output_type, state_type> step(const In& in, const state_type& s, state_type next) const {
    auto [out, st] = std::get<K>(cells_)(in, std::get<K>(s));
    std::get<K>(next) = st;
    if constexpr (K + 1 == sizeof...(Cells)) return {out, next};
    else return step<K + 1>(out, s, next);
  }

  std::tuple<Cells...> cells_;
};
template <class... Cells> MultiRNNCell(Cells...) -> MultiRNNCell<Cells...>;

}  // namespace nn::rnn_cell
}  // namespace sessionlib

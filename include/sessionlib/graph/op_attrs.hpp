// The attribute structs of sessionlib's op families (graph/attrs.hpp says how
// they work). Field names are TF's attribute names where TF has the op; a field
// TF passes as a tensor input (Reshape's shape, Sum's reduction_indices) or
// spells differently (Conv2D's strides as [1, h, w, 1]) is `mapped`, written
// and read by the family's GraphDef exporter and importer; sessionlib's own
// ops and values TF does not keep are `own`. Axes are normalised (0 <= axis <
// rank) and ascending where a list.
//
// Each `fields()` is a template (`template <class = void>`, called as
// `A::fields()`): a non-template one is compiled where it is declared, so every
// unit including this header built ~30 field tuples (46 MB of g++'s memory);
// as templates, a unit pays only for the families it uses.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "attrs.hpp"

namespace sessionlib {

namespace detail {
inline constexpr attr_kind mapped = attr_kind::mapped;
inline constexpr attr_kind own = attr_kind::own;
}  // namespace detail

// ---- Array ops --------------------------------------------------------------

/// Reshape: the requested shape, at most one -1 (TF's input "shape").
struct reshape_attrs {
  static constexpr const char* family = "Reshape";
  std::vector<std::int64_t> shape{};
  template <class = void>
  static constexpr auto fields() { return std::tuple{attr_field("shape", &reshape_attrs::shape, detail::mapped)}; }
  friend bool operator==(const reshape_attrs&, const reshape_attrs&) = default;
};

/// ExpandDims: where the new dimension of 1 goes, in [0, rank] (TF's input "dim").
struct expand_dims_attrs {
  static constexpr const char* family = "ExpandDims";
  std::int64_t dim = 0;
  template <class = void>
  static constexpr auto fields() { return std::tuple{attr_field("dim", &expand_dims_attrs::dim, detail::mapped)}; }
  friend bool operator==(const expand_dims_attrs&, const expand_dims_attrs&) = default;
};

/// Squeeze: the axes dropped, each of extent 1.
struct squeeze_attrs {
  static constexpr const char* family = "Squeeze";
  std::vector<std::int64_t> squeeze_dims{};
  template <class = void>
  static constexpr auto fields() { return std::tuple{attr_field("squeeze_dims", &squeeze_attrs::squeeze_dims)}; }
  friend bool operator==(const squeeze_attrs&, const squeeze_attrs&) = default;
};

/// Transpose: output axis i is input axis perm[i] (TF's input "perm").
struct transpose_attrs {
  static constexpr const char* family = "Transpose";
  std::vector<std::int64_t> perm{};
  template <class = void>
  static constexpr auto fields() { return std::tuple{attr_field("perm", &transpose_attrs::perm, detail::mapped)}; }
  friend bool operator==(const transpose_attrs&, const transpose_attrs&) = default;
};

/// One axis TF passes as a tensor input: ConcatV2's "axis", GatherV2's "axis",
/// ArgMax's "dimension"; and sessionlib's gradient helpers over one axis
/// (GatherGrad, GatherAxis).
struct axis_attrs {
  static constexpr const char* family = "axis";
  std::int64_t axis = 0;
  template <class = void>
  static constexpr auto fields() { return std::tuple{attr_field("axis", &axis_attrs::axis, detail::mapped)}; }
  friend bool operator==(const axis_attrs&, const axis_attrs&) = default;
};

/// Slice: the box at `begin` of extents `size` (-1: to the end); TF's inputs
/// "begin" and "size". sessionlib's SlicePad and SliceLike use `begin` only.
struct slice_attrs {
  static constexpr const char* family = "Slice";
  std::vector<std::int64_t> begin{};
  std::vector<std::int64_t> size{};
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("begin", &slice_attrs::begin, detail::mapped),
                      attr_field("size", &slice_attrs::size, detail::mapped)};
  }
  friend bool operator==(const slice_attrs&, const slice_attrs&) = default;
};

/// OneHot along a new last axis (TF's inputs "depth", "on_value", "off_value").
struct one_hot_attrs {
  static constexpr const char* family = "OneHot";
  std::int64_t depth = 0;
  double on_value = 1;
  double off_value = 0;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("depth", &one_hot_attrs::depth, detail::mapped),
                      attr_field("on_value", &one_hot_attrs::on_value, detail::mapped),
                      attr_field("off_value", &one_hot_attrs::off_value, detail::mapped)};
  }
  friend bool operator==(const one_hot_attrs&, const one_hot_attrs&) = default;
};

/// sessionlib's gradient helpers over a list of axes: SumToShape and
/// BroadcastToShape (the axes `like` dropped), ProdOthers (the reduced axes).
struct axes_attrs {
  static constexpr const char* family = "axes";
  std::vector<std::int64_t> axes{};
  template <class = void>
  static constexpr auto fields() { return std::tuple{attr_field("axes", &axes_attrs::axes, detail::own)}; }
  friend bool operator==(const axes_attrs&, const axes_attrs&) = default;
};

/// sessionlib's ConcatSlice / ConcatPad: input `part`'s share along `axis`.
struct concat_part_attrs {
  static constexpr const char* family = "ConcatPart";
  std::int64_t axis = 0;
  std::int64_t part = 0;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("axis", &concat_part_attrs::axis, detail::own),
                      attr_field("part", &concat_part_attrs::part, detail::own)};
  }
  friend bool operator==(const concat_part_attrs&, const concat_part_attrs&) = default;
};

// ---- Reductions and several outputs ------------------------------------------

/// Sum, Mean, Prod, Max, Min, Any, All over `axes` (TF's input "reduction_indices").
struct reduce_attrs {
  static constexpr const char* family = "Reduce";
  std::vector<std::int64_t> axes{};
  bool keep_dims = false;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("axes", &reduce_attrs::axes, detail::mapped), attr_field("keep_dims", &reduce_attrs::keep_dims)};
  }
  friend bool operator==(const reduce_attrs&, const reduce_attrs&) = default;
};

/// Split: `num_split` equal parts along `axis` (TF's input "split_dim").
struct split_attrs {
  static constexpr const char* family = "Split";
  std::int64_t axis = 0;
  std::int64_t num_split = 1;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("split_dim", &split_attrs::axis, detail::mapped),
                      attr_field("num_split", &split_attrs::num_split)};
  }
  friend bool operator==(const split_attrs&, const split_attrs&) = default;
};

/// Unpack: the `num` slices along `axis`; Pack (num unused) stacks along a new `axis`.
struct pack_attrs {
  static constexpr const char* family = "Pack";
  std::int64_t axis = 0;
  std::int64_t num = 0;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("axis", &pack_attrs::axis), attr_field("num", &pack_attrs::num)};
  }
  friend bool operator==(const pack_attrs&, const pack_attrs&) = default;
};

/// TopKV2: the `k` largest along the last axis, sorted (TF's input "k").
struct top_k_attrs {
  static constexpr const char* family = "TopKV2";
  std::int64_t k = 1;
  bool sorted = true;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("k", &top_k_attrs::k, detail::mapped), attr_field("sorted", &top_k_attrs::sorted)};
  }
  friend bool operator==(const top_k_attrs&, const top_k_attrs&) = default;
};

/// Moments (sessionlib's one node for tf.nn.moments): mean and variance over `axes`.
struct moments_attrs {
  static constexpr const char* family = "Moments";
  std::vector<std::int64_t> axes{};
  bool keep_dims = false;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("axes", &moments_attrs::axes), attr_field("keep_dims", &moments_attrs::keep_dims)};
  }
  friend bool operator==(const moments_attrs&, const moments_attrs&) = default;
};

// ---- matmul and nn ------------------------------------------------------------

/// MatMul (and MatMulApplyGradientDescent, which folds one into an update).
/// BatchMatMulV2 holds the same struct; its exporter writes TF's adj_x / adj_y.
struct matmul_attrs {
  static constexpr const char* family = "MatMul";
  bool transpose_a = false;
  bool transpose_b = false;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("transpose_a", &matmul_attrs::transpose_a),
                      attr_field("transpose_b", &matmul_attrs::transpose_b)};
  }
  friend bool operator==(const matmul_attrs&, const matmul_attrs&) = default;
};

/// LeakyRelu and its gradient.
struct leaky_relu_attrs {
  static constexpr const char* family = "LeakyRelu";
  double alpha = 0.2;
  template <class = void>
  static constexpr auto fields() { return std::tuple{attr_field("alpha", &leaky_relu_attrs::alpha)}; }
  friend bool operator==(const leaky_relu_attrs&, const leaky_relu_attrs&) = default;
};

/// SoftmaxCrossEntropyWithLogits: whether its gradient flows to the labels too
/// (softmax_cross_entropy_with_logits_v2).
struct softmax_xent_attrs {
  static constexpr const char* family = "SoftmaxCrossEntropyWithLogits";
  bool labels_gradient = false;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("labels_gradient", &softmax_xent_attrs::labels_gradient, detail::own)};
  }
  friend bool operator==(const softmax_xent_attrs&, const softmax_xent_attrs&) = default;
};

/// Conv2D, MaxPool, AvgPool and their gradients (NHWC): the window (pools
/// only: a conv's comes from its filter), the strides, SAME or VALID padding.
/// TF writes them as ksize and strides [1, h, w, 1] and padding "SAME"/"VALID".
struct window_attrs {
  static constexpr const char* family = "Window";
  std::int64_t window_h = 0, window_w = 0;
  std::int64_t stride_h = 1, stride_w = 1;
  bool same = false;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("window_h", &window_attrs::window_h, detail::mapped),
                      attr_field("window_w", &window_attrs::window_w, detail::mapped),
                      attr_field("stride_h", &window_attrs::stride_h, detail::mapped),
                      attr_field("stride_w", &window_attrs::stride_w, detail::mapped),
                      attr_field("same", &window_attrs::same, detail::mapped)};
  }
  friend bool operator==(const window_attrs&, const window_attrs&) = default;
};

/// DropoutMask: the drop rate (unless fed as input 1) and the op seed (TF's seed2).
struct dropout_attrs {
  static constexpr const char* family = "DropoutMask";
  double rate = 0.5;
  std::int64_t seed2 = 0;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("rate", &dropout_attrs::rate, detail::own), attr_field("seed2", &dropout_attrs::seed2)};
  }
  friend bool operator==(const dropout_attrs&, const dropout_attrs&) = default;
};

// ---- State, random and update ops ---------------------------------------------

/// RandomStandardNormal, TruncatedNormal (a, b = mean, stddev) and
/// RandomUniform (a, b = minval, maxval): TF scales and shifts with separate
/// ops, sessionlib draws from the distribution directly. `seed` is the graph
/// seed, `seed2` the op's (0: none given), as in TF.
struct random_attrs {
  static constexpr const char* family = "Random";
  double a = 0, b = 1;
  std::int64_t seed = 0;
  std::int64_t seed2 = 0;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("a", &random_attrs::a, detail::own), attr_field("b", &random_attrs::b, detail::own),
                      attr_field("seed", &random_attrs::seed), attr_field("seed2", &random_attrs::seed2)};
  }
  friend bool operator==(const random_attrs&, const random_attrs&) = default;
};

/// VariableV2: the resource container it lives in (sl::container; "" the
/// default one), which Session::reset clears, and its shared_name.
struct variable_attrs {
  static constexpr const char* family = "VariableV2";
  std::string container{};
  std::string shared_name{};
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("container", &variable_attrs::container),
                      attr_field("shared_name", &variable_attrs::shared_name)};
  }
  friend bool operator==(const variable_attrs&, const variable_attrs&) = default;
};

/// ReportUninitializedVariables: the variables it reports, by index.
struct variables_attrs {
  static constexpr const char* family = "Variables";
  std::vector<std::int32_t> variables{};
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("variables", &variables_attrs::variables, detail::own)};
  }
  friend bool operator==(const variables_attrs&, const variables_attrs&) = default;
};

/// ApplyMomentum: the accumulator slot (a variable index) and TF's attributes.
struct momentum_attrs {
  static constexpr const char* family = "ApplyMomentum";
  std::int32_t accum = -1;
  double momentum = 0;
  bool use_nesterov = false;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("accum", &momentum_attrs::accum, detail::own),
                      attr_field("momentum", &momentum_attrs::momentum, detail::own),
                      attr_field("use_nesterov", &momentum_attrs::use_nesterov)};
  }
  friend bool operator==(const momentum_attrs&, const momentum_attrs&) = default;
};

/// ApplyAdam (slots m, v and the beta-power variables) and AdamFinish, which
/// multiplies the beta powers once per step (m, v and epsilon unused).
struct adam_attrs {
  static constexpr const char* family = "ApplyAdam";
  std::int32_t m = -1, v = -1;
  std::int32_t beta1_power = -1, beta2_power = -1;
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("m", &adam_attrs::m, detail::own), attr_field("v", &adam_attrs::v, detail::own),
                      attr_field("beta1_power", &adam_attrs::beta1_power, detail::own),
                      attr_field("beta2_power", &adam_attrs::beta2_power, detail::own),
                      attr_field("beta1", &adam_attrs::beta1, detail::own),
                      attr_field("beta2", &adam_attrs::beta2, detail::own),
                      attr_field("epsilon", &adam_attrs::epsilon, detail::own)};
  }
  friend bool operator==(const adam_attrs&, const adam_attrs&) = default;
};

/// ApplyRMSProp (not centered): slots ms and mom.
struct rmsprop_attrs {
  static constexpr const char* family = "ApplyRMSProp";
  std::int32_t ms = -1, mom = -1;
  double rho = 0.9, momentum = 0, epsilon = 1e-10;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("ms", &rmsprop_attrs::ms, detail::own), attr_field("mom", &rmsprop_attrs::mom, detail::own),
                      attr_field("rho", &rmsprop_attrs::rho, detail::own),
                      attr_field("momentum", &rmsprop_attrs::momentum, detail::own),
                      attr_field("epsilon", &rmsprop_attrs::epsilon, detail::own)};
  }
  friend bool operator==(const rmsprop_attrs&, const rmsprop_attrs&) = default;
};

/// ApplyAdagrad: the accumulator slot.
struct adagrad_attrs {
  static constexpr const char* family = "ApplyAdagrad";
  std::int32_t accum = -1;
  template <class = void>
  static constexpr auto fields() { return std::tuple{attr_field("accum", &adagrad_attrs::accum, detail::own)}; }
  friend bool operator==(const adagrad_attrs&, const adagrad_attrs&) = default;
};

/// An imported node that cannot run: why (its kernel raises sl::unimplemented with it).
struct unimplemented_attrs {
  static constexpr const char* family = "Unimplemented";
  std::string reason{};
  template <class = void>
  static constexpr auto fields() { return std::tuple{attr_field("reason", &unimplemented_attrs::reason, detail::own)}; }
  friend bool operator==(const unimplemented_attrs&, const unimplemented_attrs&) = default;
};

// ---- Control flow (ops/control_flow.hpp) -------------------------------------

/// If, While and Scan: their bodies, each a frame of the graph (node::frame)
/// whose arguments are _Arg nodes the kernel feeds and whose results it fetches.
/// The node's last `captures` inputs are the outer values its bodies read; every
/// body's plan is fed them. Results are packed output refs (node << 32 | index).
struct control_flow_attrs {
  static constexpr const char* family = "ControlFlow";
  std::vector<std::int64_t> frames{};        // per body (If: then, else; While: cond, body; Scan: fn)
  std::vector<std::int64_t> arg_counts{};    // per body: how many _Arg nodes it has...
  std::vector<std::int64_t> args{};          // ...their node ids, body after body
  std::vector<std::int64_t> result_counts{}; // per body: how many results...
  std::vector<std::int64_t> results{};       // ...packed, body after body
  std::int64_t captures = 0;
  std::int64_t maximum_iterations = -1;      // While: -1 for none
  std::int64_t parallel_iterations = 10;     // While: accepted as TF does; iterations run one after another
  bool reverse = false;                      // Scan: from the last element (foldr)
  bool accumulates = true;                   // Scan: fn takes the accumulator first (scan, fold; not map_fn)
  bool stacks = true;                        // Scan: the output stacks each result (scan, map_fn; not fold)
  template <class = void>
  static constexpr auto fields() {
    using a = control_flow_attrs;
    return std::tuple{attr_field("frames", &a::frames, detail::own), attr_field("arg_counts", &a::arg_counts, detail::own),
                      attr_field("args", &a::args, detail::own), attr_field("result_counts", &a::result_counts, detail::own),
                      attr_field("results", &a::results, detail::own), attr_field("captures", &a::captures, detail::own),
                      attr_field("maximum_iterations", &a::maximum_iterations, detail::own),
                      attr_field("parallel_iterations", &a::parallel_iterations),
                      attr_field("reverse", &a::reverse, detail::own), attr_field("accumulates", &a::accumulates, detail::own),
                      attr_field("stacks", &a::stacks, detail::own)};
  }
  friend bool operator==(const control_flow_attrs&, const control_flow_attrs&) = default;
};

}  // namespace sessionlib

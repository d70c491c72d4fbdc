// Compile-time reports. Each `report_*` template fails with a static_assert whose
// message starts "sessionlib:" and whose template arguments carry the offending
// types or dimensions, because GCC 12 cannot format numbers into the message:
// the compiler's "required from" line shows `report_matmul_mismatch<10, 784>`.
#pragma once

#include <cstddef>
#include <string>
#include <type_traits>

namespace sessionlib::report {

template <class...> inline constexpr bool always_false = false;
template <std::ptrdiff_t...> inline constexpr bool always_false_dims = false;

template <std::ptrdiff_t InnerA, std::ptrdiff_t InnerB>
constexpr void matmul_mismatch() {
  // The two inner dimensions are this function's template arguments.
  static_assert(always_false_dims<InnerA, InnerB>, "sessionlib: matmul: inner dimensions differ");
}

template <std::ptrdiff_t A, std::ptrdiff_t B>
constexpr void broadcast_mismatch() {
  // The first pair of dimensions that cannot broadcast is A and B.
  static_assert(always_false_dims<A, B>, "sessionlib: broadcast: dimensions are incompatible");
}

template <std::ptrdiff_t From, std::ptrdiff_t To>
constexpr void reshape_mismatch() {
  // From and To are the element counts before and after (-1, -1: two dyn dims).
  static_assert(always_false_dims<From, To>, "sessionlib: reshape: element counts differ");
}

template <class TensorT, class ValueT>
constexpr void feed_dtype_mismatch() {
  // TensorT is the tensor's element type, ValueT the fed value's.
  static_assert(always_false<TensorT, ValueT>, "sessionlib: feed: the value's element type differs from the tensor's dtype");
}

template <std::size_t TensorRank, std::size_t ValueRank>
constexpr void feed_rank_mismatch() {
  // The tensor's rank, then the fed value's.
  static_assert(always_false_dims<TensorRank, ValueRank>, "sessionlib: feed: the value's rank differs from the tensor's");
}

template <std::ptrdiff_t TensorDim, std::ptrdiff_t ValueDim>
constexpr void feed_dim_mismatch() {
  // The tensor's static dimension, then the fed value's.
  static_assert(always_false_dims<TensorDim, ValueDim>, "sessionlib: feed: a static dimension of the value differs from the tensor's");
}

template <class Fed, class Handle>
constexpr void handle_feed_mismatch() {
  // Fed is the tensor (or get_session_tensor's placeholder) fed, Handle the
  // sl::TensorHandle<T, S> given: their dtypes, ranks or static dimensions differ.
  static_assert(always_false<Fed, Handle>,
                "sessionlib: feed: the TensorHandle's dtype or shape does not fit the fed tensor's");
}

template <class Key, class Value>
constexpr void feed_structure_mismatch() {
  // Key is the feed's key structure (a tuple, pair or aggregate of tensors),
  // Value the value given: it must be a tuple, pair or aggregate of as many values.
  static_assert(always_false<Key, Value>,
                "sessionlib: feed: a structure of keys takes a value of the same structure (as many elements)");
}

template <class Leaf>
constexpr void not_fetchable() {
  // Leaf is the type inside the fetch structure that is not a tensor, variable,
  // operation, name or structure of those.
  static_assert(always_false<Leaf>, "sessionlib: fetch: this leaf type is not fetchable");
}

template <class A, class B>
constexpr void dtype_mismatch() {
  // The two operands' element types.
  static_assert(always_false<A, B>, "sessionlib: operands have different dtypes");
}

template <std::ptrdiff_t BatchA, std::ptrdiff_t BatchB>
constexpr void matmul_batch_mismatch() {
  // The first pair of leading (batch) dimensions that cannot broadcast.
  static_assert(always_false_dims<BatchA, BatchB>, "sessionlib: matmul: batch dimensions do not broadcast");
}

template <std::size_t RankA, std::size_t RankB>
constexpr void matmul_rank() {
  // The operands' ranks; matmul needs rank >= 2 on both sides.
  static_assert(always_false_dims<RankA, RankB>, "sessionlib: matmul: operands must have rank >= 2");
}

template <std::size_t Rank, int... Perm>
constexpr void transpose_not_permutation() {
  // The input's rank, then the permutation given.
  static_assert(always_false_dims<Rank, Perm...>, "sessionlib: transpose: perm is not a permutation of the axes");
}

template <std::size_t Rank, int... Axes>
constexpr void axis_out_of_range() {
  // The rank the axes refer to, then the axes given (one is out of range or repeated).
  static_assert(always_false_dims<Rank, Axes...>, "sessionlib: axis is out of range for the tensor's rank");
}

template <std::size_t RankA, std::size_t RankB>
constexpr void concat_rank_mismatch() {
  // The ranks of the first operand and of the first one that differs.
  static_assert(always_false_dims<RankA, RankB>, "sessionlib: concat: operands have different ranks");
}

template <std::ptrdiff_t DimA, std::ptrdiff_t DimB>
constexpr void concat_mismatch() {
  // The first pair of non-axis dimensions that differ.
  static_assert(always_false_dims<DimA, DimB>, "sessionlib: concat: dimensions off the concat axis differ");
}

template <int Axis, std::ptrdiff_t Dim>
constexpr void squeeze_not_one() {
  // The axis asked to be squeezed, then its static dimension.
  static_assert(always_false_dims<Axis, Dim>, "sessionlib: squeeze: the dimension is not 1");
}

template <class Index>
constexpr void gather_indices_not_integer() {
  // Index is the element type given as indices.
  static_assert(always_false<Index>, "sessionlib: gather: indices must be int32 or int64");
}

template <class Index>
constexpr void one_hot_indices_not_integer() {
  // Index is the element type given as indices.
  static_assert(always_false<Index>, "sessionlib: one_hot: indices must be uint8, int32 or int64");
}

template <std::size_t Axis, std::ptrdiff_t Begin, std::ptrdiff_t Size, std::ptrdiff_t Dim>
constexpr void slice_out_of_bounds() {
  // The axis, the slice's begin and size there, then the static dimension.
  static_assert(always_false_dims<Axis, Begin, Size, Dim>, "sessionlib: slice: begin/size exceed the static dimension");
}

template <std::size_t Rank, std::size_t BeginRank, std::size_t SizeRank>
constexpr void slice_rank_mismatch() {
  // The input's rank, then how many begins and sizes were given.
  static_assert(always_false_dims<Rank, BeginRank, SizeRank>, "sessionlib: slice: begin and size need one entry per axis");
}

template <class S>
constexpr void shape_not_static() {
  // S is the shape given; this op needs every dimension known at compile time.
  static_assert(always_false<S>, "sessionlib: the shape must be fully static here");
}

template <class T>
constexpr void nn_not_floating() {
  // T is the element type given; nn ops and optimizers take float or double.
  static_assert(always_false<T>, "sessionlib: nn: this op needs float or double");
}

template <std::size_t Want, std::size_t Got>
constexpr void nn_rank() {
  // The rank the op needs (a minimum for softmax-like ops), then the rank given.
  static_assert(always_false_dims<Want, Got>, "sessionlib: nn: the tensor has the wrong rank");
}

template <std::ptrdiff_t LabelsDim, std::ptrdiff_t LogitsDim>
constexpr void labels_logits_mismatch() {
  // The first pair of static dimensions (labels, logits) that differ, or the two ranks.
  static_assert(always_false_dims<LabelsDim, LogitsDim>, "sessionlib: cross entropy: labels and logits shapes differ");
}

template <class L>
constexpr void sparse_labels_not_integer() {
  // L is the labels' element type.
  static_assert(always_false<L>, "sessionlib: sparse_softmax_cross_entropy_with_logits: labels must be int32 or int64");
}

template <std::ptrdiff_t LastDim, std::ptrdiff_t BiasDim>
constexpr void bias_add_mismatch() {
  // The value's last dimension, then the bias length.
  static_assert(always_false_dims<LastDim, BiasDim>, "sessionlib: bias_add: the bias length differs from the last dimension");
}

template <std::ptrdiff_t InputChannels, std::ptrdiff_t FilterChannels>
constexpr void conv_channels_mismatch() {
  // The input's channels (NHWC's C), then the filter's input channels (HWIO's I).
  static_assert(always_false_dims<InputChannels, FilterChannels>, "sessionlib: conv2d: the filter's input channels differ from the input's");
}

template <std::ptrdiff_t Window, std::ptrdiff_t Input>
constexpr void window_exceeds_input() {
  // The window (filter or ksize) extent, then the input extent, along one axis.
  static_assert(always_false_dims<Window, Input>, "sessionlib: VALID padding: the window is larger than the input");
}

template <std::ptrdiff_t... Values>
constexpr void window_not_positive() {
  // The ksize and strides given; each must be >= 1.
  static_assert(always_false_dims<Values...>, "sessionlib: conv/pool: ksize and strides must be >= 1");
}

template <class S>
constexpr void random_needs_static_shape() {
  // S is the requested shape; random ops and initializers need every dimension static.
  static_assert(always_false<S>, "sessionlib: random: the shape must be fully static");
}

template <class S>
constexpr void variable_needs_initial_shape() {
  // S is the variable's shape: with a dyn dimension, only an xtensor initial value gives the shape.
  static_assert(always_false<S>, "sessionlib: Variable: a shape with dyn dimensions needs an xtensor initial value");
}

template <class Op, class T>
constexpr void not_floating() {
  // Op (its functor or kind) takes float or double; T is the operand's element type.
  static_assert(always_false<Op, T>, "sessionlib: this op takes float or double tensors only");
}

template <class Op, class T>
constexpr void not_numeric() {
  if constexpr (std::is_same_v<T, std::string>) {
    // Op takes numeric element types; T is std::string. Convert first: sl::string_to_number<T>, sl::decode_raw<T>.
    static_assert(always_false<Op, T>, "sessionlib: this op takes numeric tensors, not string");
  } else {
    // Op takes numeric element types; T (bool) is the operand's.
    static_assert(always_false<Op, T>, "sessionlib: this op takes numeric tensors, not bool");
  }
}

template <class Op, class T>
constexpr void not_bool() {
  // Op (logical_and, reduce_any, ...) takes bool; T is the operand's element type.
  static_assert(always_false<Op, T>, "sessionlib: this op takes bool tensors only");
}

template <class T>
constexpr void where_condition_not_bool() {
  // T is the condition's element type.
  static_assert(always_false<T>, "sessionlib: where: the condition must be a bool tensor");
}

template <class U>
constexpr void cast_target_not_dtype() {
  // U is the requested target type.
  static_assert(always_false<U>, "sessionlib: cast: the target type is not a dtype (float, double, int32, int64, uint8, bool)");
}

template <std::ptrdiff_t Axis, std::ptrdiff_t Rank>
constexpr void reduce_axis_out_of_range() {
  // Axis is the offending axis, Rank the operand's rank: valid axes are [-Rank, Rank).
  static_assert(always_false_dims<Axis, Rank>, "sessionlib: reduce: axis out of range");
}

template <std::ptrdiff_t Axis>
constexpr void reduce_axis_repeated() {
  // Axis (normalised) is listed twice.
  static_assert(always_false_dims<Axis>, "sessionlib: reduce: an axis is listed twice");
}

template <std::size_t VariableRank, std::size_t ValueRank>
constexpr void assign_rank_mismatch() {
  // The variable's rank, then the assigned value's.
  static_assert(always_false_dims<VariableRank, ValueRank>, "sessionlib: assign: the value's rank differs from the variable's");
}

template <std::ptrdiff_t VariableDim, std::ptrdiff_t ValueDim>
constexpr void assign_dim_mismatch() {
  // The first pair of static dimensions that differ: the variable's, then the value's.
  static_assert(always_false_dims<VariableDim, ValueDim>, "sessionlib: assign: a static dimension of the value differs from the variable's");
}

template <class T>
constexpr void gradient_not_floating() {
  // T is the element type of the x given to sl::gradients; only float and double carry gradients.
  static_assert(always_false<T>, "sessionlib: gradients: x must be a float or double tensor");
}

// ---- Typed means typed (issue 17): callables, result targets, scalars, and the
// common spelling mistakes, each with what to write instead.

template <std::size_t Expected, std::size_t Given>
constexpr void callable_arity() {
  // A callable takes one argument per tensor of its feed_list, in that order
  // (plus `out` first with sl::into, `options, metadata` last with sl::accept_options).
  static_assert(always_false_dims<Expected, Given>,
                "sessionlib: callable: wrong number of arguments; pass one value per tensor of the feed_list, in its order");
}

template <std::size_t Argument, class TensorT, class ValueT>
constexpr void callable_argument_dtype() {
  // Argument (1-based) is fed to a tensor of element type TensorT; ValueT is what was passed.
  static_assert(always_false<TensorT, ValueT>,
                "sessionlib: callable: an argument's element type differs from its fed tensor's dtype (are the arguments in feed_list order?)");
}

template <std::size_t Argument, std::size_t TensorRank, std::size_t ValueRank>
constexpr void callable_argument_rank() {
  // Argument (1-based): the fed tensor's rank, then the passed value's.
  static_assert(always_false_dims<Argument, TensorRank, ValueRank>,
                "sessionlib: callable: an argument's rank differs from its fed tensor's (are the arguments in feed_list order?)");
}

template <std::size_t Argument, class Parameter, class ValueT>
constexpr void callable_argument_type() {
  // Argument (1-based) does not convert to Parameter (RunOptions, RunMetadata*, ...).
  static_assert(always_false<Parameter, ValueT>, "sessionlib: callable: an argument does not convert to its parameter's type");
}

template <class Expected, class Given>
constexpr void into_target_mismatch() {
  // Expected is what run() returns for the fetches (fetch_result_t<F>); Given is the
  // target passed. xtensor's converting constructor cannot help here: a result is
  // written into the target as it is, so its dtype and rank must be the fetch's.
  static_assert(always_false<Expected, Given>,
                "sessionlib: into: the target's type differs from what run() returns for these fetches (sl::fetch_result_t<F>)");
}

template <class Expected, class Given>
constexpr void into_target_not_lvalue() {
  // The target must be a modifiable lvalue of type Expected: run_into writes into it.
  static_assert(always_false<Expected, Given>, "sessionlib: into: the target must be a non-const lvalue (the results are written into it)");
}

template <class TensorT, class ScalarT>
constexpr void scalar_dtype_mismatch() {
  // TF raises TypeError: a scalar mixes with a tensor only when it converts to the
  // tensor's dtype without loss (integers to any numeric dtype, floating-point values
  // to float or double, bool only to bool). Write sl::cast<ScalarT>(x) for the op in
  // ScalarT's type, or pass a scalar of the tensor's type.
  static_assert(always_false<TensorT, ScalarT>, "sessionlib: scalar: the C++ scalar does not convert to the tensor's dtype without loss (TF raises TypeError)");
}

template <class... None>
constexpr void placeholder_needs_type() {
  // Write sl::placeholder<float, sl::shape<sl::dyn, 784>>(g, "x"): the element type
  // and the static shape (default sl::shape<>, a scalar) are template arguments.
  static_assert(always_false<None...>, "sessionlib: placeholder: give the dtype and shape as template arguments: sl::placeholder<float, sl::shape<sl::dyn, 784>>(g, \"x\")");
}

template <class AxisT>
constexpr void axis_not_template_argument() {
  // AxisT is the type of the run-time axis given. Axes are template arguments, so the
  // result's shape is known at compile time: sl::reduce_mean<1>(x), sl::argmax<1>(x),
  // with kept axes sl::reduce_sum<1>(x, sl::keepdims).
  static_assert(always_false<AxisT>, "sessionlib: reduce: axes are template arguments: write sl::reduce_mean<1>(x), not sl::reduce_mean(x, 1)");
}

template <int Dependent>
constexpr void braced_fetch() {
  // A braced list has no type to give run() a result structure: write
  // sess.run(std::tuple{train, loss}, ...) (or std::make_tuple, std::array, std::vector).
  static_assert(always_false_dims<Dependent>, "sessionlib: fetch: a braced list is not a fetch structure; write sess.run(std::tuple{train, loss}, ...) or std::make_tuple(train, loss)");
}

template <class Leaf>
constexpr void name_not_string() {
  // Leaf is a string-like type other than std::string, std::string_view, const
  // char* and literals, which are names the plan looks up; write std::string(name).
  static_assert(always_false<Leaf>, "sessionlib: fetch: a name is fetched as std::string or a string literal; write std::string(name)");
}

}  // namespace sessionlib::report

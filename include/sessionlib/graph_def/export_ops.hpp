// The exporters of every op family: the TF attributes and structural inputs
// to_graph_def (graph_def/from_graph.hpp) writes for sessionlib's nodes. They
// read only a node's fields, so this header instantiates no kernel and
// <sessionlib/graph_def.hpp> always includes it: a GraphDef written by any
// program re-imports. The importers of the same op types, which instantiate
// the kernels, are the opt-in family headers graph_def/ops_*.hpp (see the
// section of each family below).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "op_table.hpp"
#include "tensor.hpp"

namespace sessionlib::detail::gd {

// ---- Shared ----------------------------------------------------------------

/// doubles as a DT_DOUBLE TensorProto (kept exactly in `_sessionlib_reals`).
inline AttrValue reals_attr(const std::vector<double>& v) {
  any_array a(dtype::float64, dims{v.size()});
  for (std::size_t i = 0; i < v.size(); ++i) a.data<double>()[i] = v[i];
  return to_tensor_proto(a);
}
/// T = the dtype of input 0 (comparisons, whose output is bool; ops on a variable).
inline void export_t_of_input0(export_context& c) {
  if (!c.n.inputs.empty()) c.out.attr["T"] = to_data_type(c.input(0).type);
}
/// An int attribute list as TF writes it ("strides", "ksize").
inline AttrValue int_list(std::vector<std::int64_t> v) {
  AttrValue::ListValue l;
  l.i = std::move(v);
  return l;
}

// ---- Elementwise (ops_math.hpp) ---------------------------------------------

inline void export_cast(export_context& c) {
  c.out.attr.erase("T");
  c.out.attr["SrcT"] = to_data_type(c.input(0).type);
  c.out.attr["DstT"] = to_data_type(c.n.type);
  c.out.attr["Truncate"] = false;
}

// ---- Array ops (ops_array.hpp) ---------------------------------------------

inline void export_reshape(export_context& c) {
  c.out.attr["Tshape"] = DataType::DT_INT32;
  c.add_int_input("shape", c.n.attr.ints);
}
inline void export_expand_dims(export_context& c) {
  c.out.attr["Tdim"] = DataType::DT_INT32;
  c.add_int_input("dim", c.n.attr.ints, true);
}
inline void export_squeeze(export_context& c) { c.out.attr["squeeze_dims"] = int_list(c.n.attr.ints); }
inline void export_transpose(export_context& c) {
  c.out.attr["Tperm"] = DataType::DT_INT32;
  c.add_int_input("perm", c.n.attr.ints);
}
inline void export_concat(export_context& c) {
  c.out.attr["N"] = static_cast<std::int64_t>(c.n.inputs.size());
  c.out.attr["Tidx"] = DataType::DT_INT32;
  c.add_int_input("axis", {c.n.attr.ints.at(0)}, true);
}
inline void export_slice(export_context& c) {
  const auto& a = c.n.attr.ints;
  const auto half = static_cast<std::ptrdiff_t>(a.size() / 2);
  c.out.attr["Index"] = DataType::DT_INT32;
  c.add_int_input("begin", {a.begin(), a.begin() + half});
  c.add_int_input("size", {a.begin() + half, a.end()});
}
inline void export_gather(export_context& c) {
  c.out.attr.erase("T");
  c.out.attr["Tparams"] = to_data_type(c.n.type);
  c.out.attr["Tindices"] = to_data_type(c.input(1).type);
  c.out.attr["Taxis"] = DataType::DT_INT32;
  c.out.attr["batch_dims"] = std::int64_t{0};
  c.add_int_input("axis", c.n.attr.ints, true);
}
inline void export_one_hot(export_context& c) {
  c.out.attr["TI"] = to_data_type(c.input(0).type);
  c.out.attr["axis"] = std::int64_t{-1};
  c.add_int_input("depth", {c.n.attr.ints.at(0)}, true);
  for (int k = 0; k < 2; ++k) {
    any_array v(c.n.type, dims{});
    visit_dtype(c.n.type, [&]<class T>() { *v.data<T>() = static_cast<T>(c.n.attr.reals.at(static_cast<std::size_t>(k))); });
    c.add_const_input(k == 0 ? "on_value" : "off_value", v);
  }
}
inline void export_fill(export_context& c) {
  std::vector<std::int64_t> d(c.n.shape.begin(), c.n.shape.end());
  c.out.attr["index_type"] = DataType::DT_INT32;
  c.add_int_input("dims", d);
  c.add_const_input("value", c.n.attr.value);
}
inline void export_range(export_context& c) {
  c.out.attr.erase("T");
  c.out.attr["Tidx"] = to_data_type(c.n.type);
}

// ---- matmul and nn (ops_nn.hpp) --------------------------------------------

inline void export_matmul(export_context& c) {
  const bool batch = c.n.op != "MatMul";
  c.out.attr[batch ? "adj_x" : "transpose_a"] = c.n.attr.ints.at(0) != 0;
  c.out.attr[batch ? "adj_y" : "transpose_b"] = c.n.attr.ints.at(1) != 0;
}
inline void export_leaky_relu(export_context& c) {
  c.out.attr["alpha"] = static_cast<float>(c.n.attr.reals.at(0));
  c.out.attr["_sessionlib_reals"] = reals_attr(c.n.attr.reals);
}
inline void export_bias_add(export_context& c) { c.out.attr["data_format"] = std::string("NHWC"); }
inline void export_swap_inputs(export_context& c) {
  if (c.out.input.size() >= 2) std::swap(c.out.input[0], c.out.input[1]);
}
inline void export_softmax_xent(export_context& c) {
  export_swap_inputs(c);
  if (!c.n.attr.ints.empty() && c.n.attr.ints[0] != 0) c.out.attr["_sessionlib_labels_gradient"] = true;
}
inline void export_sparse_xent(export_context& c) {
  export_swap_inputs(c);
  c.out.attr["Tlabels"] = to_data_type(c.input(0).type);
}
inline void export_window(export_context& c) {
  const auto& a = c.n.attr.ints;
  if (c.n.op != "Conv2D") c.out.attr["ksize"] = int_list({1, a.at(0), a.at(1), 1});
  c.out.attr["strides"] = int_list({1, a.at(2), a.at(3), 1});
  c.out.attr["padding"] = std::string(a.at(4) ? "SAME" : "VALID");
  c.out.attr["data_format"] = std::string("NHWC");
  if (c.n.op == "Conv2D") c.out.attr["dilations"] = int_list({1, 1, 1, 1});
}
inline void export_dropout_mask(export_context& c) {
  c.out.attr["seed2"] = static_cast<std::int64_t>(c.n.attr.seed);
  c.out.attr["_sessionlib_reals"] = reals_attr(c.n.attr.reals);
}

// ---- Reductions (ops_reduce.hpp) -------------------------------------------

inline void export_reduction(export_context& c) {
  c.out.attr["keep_dims"] = c.n.shape.size() == c.input(0).shape.size() && !c.n.attr.ints.empty();
  c.out.attr["Tidx"] = DataType::DT_INT32;
  c.add_int_input("reduction_indices", c.n.attr.ints);
}
inline void export_arg_reduction(export_context& c) {
  c.out.attr["T"] = to_data_type(c.input(0).type);
  c.out.attr["output_type"] = DataType::DT_INT64;
  c.out.attr["Tidx"] = DataType::DT_INT32;
  c.add_int_input("dimension", c.n.attr.ints, true);
}

// ---- Several outputs (ops_split.hpp) ---------------------------------------

inline void export_split(export_context& c) {
  c.out.attr["num_split"] = c.n.attr.ints.at(1);
  c.add_int_input("split_dim", {c.n.attr.ints.at(0)}, true, 0);
}
inline void export_unpack(export_context& c) {
  c.out.attr["axis"] = c.n.attr.ints.at(0);
  c.out.attr["num"] = c.n.attr.ints.at(1);
}
inline void export_pack(export_context& c) {
  c.out.attr["axis"] = c.n.attr.ints.at(0);
  c.out.attr["N"] = static_cast<std::int64_t>(c.n.inputs.size());
}
inline void export_top_k(export_context& c) {
  c.out.attr["sorted"] = true;
  c.add_int_input("k", {c.n.attr.ints.at(0)}, true);
}
inline void export_moments(export_context& c) {
  c.out.attr["axes"] = int_list(c.n.attr.ints);
  c.out.attr["keep_dims"] = !c.n.attr.reals.empty() && c.n.attr.reals[0] != 0;
}

// ---- State and random ops (ops_state.hpp) ----------------------------------

inline void export_variable(export_context& c) {
  c.out.attr["container"] = std::string();
  c.out.attr["shared_name"] = std::string();
}
inline void export_assign(export_context& c) {
  c.out.attr["use_locking"] = false;
  if (c.n.op == "Assign") c.out.attr["validate_shape"] = true;
}
inline void export_is_initialized(export_context& c) {
  c.out.attr.erase("T");
  if (c.variable) c.out.attr["dtype"] = to_data_type(c.variable->type);
}
inline void export_random(export_context& c) {
  c.out.attr["T"] = DataType::DT_INT32;  // the shape input's type
  c.out.attr["dtype"] = to_data_type(c.n.type);
  c.out.attr["seed"] = c.n.attr.ints.at(0);
  c.out.attr["seed2"] = static_cast<std::int64_t>(c.n.attr.seed);
  c.out.attr["_sessionlib_reals"] = reals_attr(c.n.attr.reals);
  c.add_int_input("shape", std::vector<std::int64_t>(c.n.shape.begin(), c.n.shape.end()));
}

inline const bool exporters_registered = [] {
  register_graph_def_op({"Equal"}, nullptr, export_t_of_input0);
  register_graph_def_op({"NotEqual"}, nullptr, export_t_of_input0);
  register_graph_def_op({"Less"}, nullptr, export_t_of_input0);
  register_graph_def_op({"LessEqual"}, nullptr, export_t_of_input0);
  register_graph_def_op({"Greater"}, nullptr, export_t_of_input0);
  register_graph_def_op({"GreaterEqual"}, nullptr, export_t_of_input0);
  register_graph_def_op({"LogicalAnd"}, nullptr, [](export_context& c) {
    c.out.attr.erase("T");  // TF's logical ops have no type attribute
  });
  register_graph_def_op({"LogicalOr"}, nullptr, [](export_context& c) {
    c.out.attr.erase("T");
  });
  register_graph_def_op({"LogicalNot"}, nullptr, [](export_context& c) {
    c.out.attr.erase("T");
  });
  register_graph_def_op({"Cast"}, nullptr, export_cast);
  register_graph_def_op({"Reshape"}, nullptr, export_reshape);
  register_graph_def_op({"ExpandDims"}, nullptr, export_expand_dims);
  register_graph_def_op({"Squeeze"}, nullptr, export_squeeze);
  register_graph_def_op({"Transpose"}, nullptr, export_transpose);
  register_graph_def_op({"ConcatV2"}, nullptr, export_concat);
  register_graph_def_op({"Slice"}, nullptr, export_slice);
  register_graph_def_op({"GatherV2"}, nullptr, export_gather);
  register_graph_def_op({"OneHot"}, nullptr, export_one_hot);
  register_graph_def_op({"Fill"}, nullptr, export_fill);
  register_graph_def_op({"Range"}, nullptr, export_range);
  register_graph_def_op({"MatMul", "BatchMatMulV2", "BatchMatMul"}, nullptr, export_matmul);
  register_graph_def_op({"LeakyRelu"}, nullptr, export_leaky_relu);
  register_graph_def_op({"BiasAdd", "BiasAddV1"}, nullptr, export_bias_add);
  register_graph_def_op({"SoftmaxCrossEntropyWithLogits"}, nullptr, export_softmax_xent);
  register_graph_def_op({"SparseSoftmaxCrossEntropyWithLogits"}, nullptr, export_sparse_xent);
  register_graph_def_op({"Conv2D"}, nullptr, export_window);
  register_graph_def_op({"MaxPool", "AvgPool"}, nullptr, export_window);
  register_graph_def_op({"DropoutMask"}, nullptr, export_dropout_mask);
  register_graph_def_op({"Sum"}, nullptr, export_reduction);
  register_graph_def_op({"Mean"}, nullptr, export_reduction);
  register_graph_def_op({"Prod"}, nullptr, export_reduction);
  register_graph_def_op({"Max"}, nullptr, export_reduction);
  register_graph_def_op({"Min"}, nullptr, export_reduction);
  register_graph_def_op({"Any"}, nullptr, [](export_context& c) {
    export_reduction(c);
    c.out.attr.erase("T");  // TF's Any and All have no type attribute
  });
  register_graph_def_op({"All"}, nullptr, [](export_context& c) {
    export_reduction(c);
    c.out.attr.erase("T");
  });
  register_graph_def_op({"ArgMax"}, nullptr, export_arg_reduction);
  register_graph_def_op({"ArgMin"}, nullptr, export_arg_reduction);
  register_graph_def_op({"Split"}, nullptr, export_split);
  register_graph_def_op({"Unpack"}, nullptr, export_unpack);
  register_graph_def_op({"Pack"}, nullptr, export_pack);
  register_graph_def_op({"TopKV2"}, nullptr, export_top_k);
  register_graph_def_op({"Moments"}, nullptr, export_moments);
  register_graph_def_op({"VariableV2", "Variable"}, nullptr, export_variable);
  register_graph_def_op({"Assign"}, nullptr, export_assign);
  register_graph_def_op({"AssignAdd"}, nullptr, export_assign);
  register_graph_def_op({"AssignSub"}, nullptr, export_assign);
  register_graph_def_op({"IsVariableInitialized"}, nullptr, export_is_initialized);
  register_graph_def_op({"RandomUniform", "RandomStandardNormal", "TruncatedNormal"}, nullptr, export_random);
  return true;
}();

}  // namespace sessionlib::detail::gd

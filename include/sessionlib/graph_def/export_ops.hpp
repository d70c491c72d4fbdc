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

#include "../graph/io_attrs.hpp"
#include "../graph/queue_attrs.hpp"
#include "../graph/sparse_attrs.hpp"
#include "op_table.hpp"
#include "tensor.hpp"

namespace sessionlib::detail::gd {

// ---- Shared ----------------------------------------------------------------

/// The dtype of the output data input `i` reads (its node's output k, not always 0).
inline dtype input_output_type(const export_context& c, std::size_t i) {
  return c.input(i).output_type(detail::ref_index(c.n.inputs.at(i)));
}
/// The node's output dtypes as TF's list(type) (a dequeue's component_types, DecodeCSV's OUT_TYPE).
inline AttrValue::ListValue output_types(const export_context& c) {
  AttrValue::ListValue types;
  for (std::uint32_t k = 0; k < c.n.num_outputs(); ++k) types.type.push_back(to_data_type(c.n.output_type(k)));
  return types;
}
/// T = the dtype of input 0 (comparisons, whose output is bool; ops on a variable).
inline void export_t_of_input0(export_context& c) {
  if (!c.n.inputs.empty()) c.out.attr["T"] = to_data_type(input_output_type(c, 0));
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
  c.out.attr["SrcT"] = to_data_type(input_output_type(c, 0));
  c.out.attr["DstT"] = to_data_type(c.n.type);
  c.out.attr["Truncate"] = false;
}

// ---- Array ops (ops_array.hpp) ---------------------------------------------

inline void export_reshape(export_context& c) {
  c.out.attr["Tshape"] = DataType::DT_INT32;
  c.add_int_input("shape", c.n.attr.get<reshape_attrs>().shape);
}
inline void export_expand_dims(export_context& c) {
  c.out.attr["Tdim"] = DataType::DT_INT32;
  c.add_int_input("dim", {c.n.attr.get<expand_dims_attrs>().dim}, true);
}
inline void export_transpose(export_context& c) {
  c.out.attr["Tperm"] = DataType::DT_INT32;
  c.add_int_input("perm", c.n.attr.get<transpose_attrs>().perm);
}
inline void export_concat(export_context& c) {
  c.out.attr["N"] = static_cast<std::int64_t>(c.n.inputs.size());
  c.out.attr["Tidx"] = DataType::DT_INT32;
  c.add_int_input("axis", {c.n.attr.get<axis_attrs>().axis}, true);
}
inline void export_slice(export_context& c) {
  const slice_attrs& a = c.n.attr.get<slice_attrs>();
  c.out.attr["Index"] = DataType::DT_INT32;
  c.add_int_input("begin", a.begin);
  c.add_int_input("size", a.size);
}
inline void export_gather(export_context& c) {
  c.out.attr.erase("T");
  c.out.attr["Tparams"] = to_data_type(c.n.type);
  c.out.attr["Tindices"] = to_data_type(input_output_type(c, 1));
  c.out.attr["Taxis"] = DataType::DT_INT32;
  c.out.attr["batch_dims"] = std::int64_t{0};
  c.add_int_input("axis", {c.n.attr.get<axis_attrs>().axis}, true);
}
inline void export_one_hot(export_context& c) {
  c.out.attr["TI"] = to_data_type(input_output_type(c, 0));
  c.out.attr["axis"] = std::int64_t{-1};
  const one_hot_attrs& a = c.n.attr.get<one_hot_attrs>();
  c.add_int_input("depth", {a.depth}, true);
  for (int k = 0; k < 2; ++k) {
    any_array v(c.n.type, dims{});
    visit_dtype(c.n.type, [&]<class T>() { *v.data<T>() = static_cast<T>(k == 0 ? a.on_value : a.off_value); });
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

/// BatchMatMulV2 names matmul_attrs' fields adj_x and adj_y.
inline void export_batch_matmul(export_context& c) {
  c.out.attr.erase("transpose_a");
  c.out.attr.erase("transpose_b");
  c.out.attr["adj_x"] = c.n.attr.get<matmul_attrs>().transpose_a;
  c.out.attr["adj_y"] = c.n.attr.get<matmul_attrs>().transpose_b;
}
inline void export_bias_add(export_context& c) { c.out.attr["data_format"] = std::string("NHWC"); }
inline void export_swap_inputs(export_context& c) {
  if (c.out.input.size() >= 2) std::swap(c.out.input[0], c.out.input[1]);
}
inline void export_sparse_xent(export_context& c) {
  export_swap_inputs(c);
  c.out.attr["Tlabels"] = to_data_type(input_output_type(c, 0));
}
inline void export_window(export_context& c) {
  const window_attrs& a = c.n.attr.get<window_attrs>();
  if (c.n.op != "Conv2D") c.out.attr["ksize"] = int_list({1, a.window_h, a.window_w, 1});
  c.out.attr["strides"] = int_list({1, a.stride_h, a.stride_w, 1});
  c.out.attr["padding"] = std::string(a.same ? "SAME" : "VALID");
  c.out.attr["data_format"] = std::string("NHWC");
  if (c.n.op == "Conv2D") c.out.attr["dilations"] = int_list({1, 1, 1, 1});
}

// ---- Reductions (ops_reduce.hpp) -------------------------------------------

inline void export_reduction(export_context& c) {
  c.out.attr["Tidx"] = DataType::DT_INT32;
  c.add_int_input("reduction_indices", c.n.attr.get<reduce_attrs>().axes);
}
inline void export_arg_reduction(export_context& c) {
  c.out.attr["T"] = to_data_type(input_output_type(c, 0));
  c.out.attr["output_type"] = DataType::DT_INT64;
  c.out.attr["Tidx"] = DataType::DT_INT32;
  c.add_int_input("dimension", {c.n.attr.get<axis_attrs>().axis}, true);
}

// ---- Several outputs (ops_split.hpp) ---------------------------------------

inline void export_split(export_context& c) { c.add_int_input("split_dim", {c.n.attr.get<split_attrs>().axis}, true, 0); }
inline void export_pack(export_context& c) {
  c.out.attr.erase("num");  // Pack has N instead
  c.out.attr["N"] = static_cast<std::int64_t>(c.n.inputs.size());
}
inline void export_top_k(export_context& c) { c.add_int_input("k", {c.n.attr.get<top_k_attrs>().k}, true); }

// ---- State and random ops (ops_state.hpp) ----------------------------------

inline void export_variable(export_context& c) {  // (variable_attrs writes them; an older node has none)
  c.out.attr.try_emplace("container", std::string());
  c.out.attr.try_emplace("shared_name", std::string());
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
  c.add_int_input("shape", std::vector<std::int64_t>(c.n.shape.begin(), c.n.shape.end()));
}

// ---- Sparse ops (ops_sparse.hpp) ------------------------------------------

/// T = the values' dtype (input 1) for the ops whose output 0 is int64 indices.
inline void export_t_of_values(export_context& c) { c.out.attr["T"] = to_data_type(input_output_type(c, 1)); }
inline void export_sparse_to_dense(export_context& c) { c.out.attr["Tindices"] = to_data_type(input_output_type(c, 0)); }
inline void export_sparse_dense_matmul(export_context& c) {
  c.out.attr["Tindices"] = to_data_type(input_output_type(c, 0));
}
/// SparseReduceSum's reduction_axes: an int32 input, as TF's.
inline void export_sparse_reduce_sum(export_context& c) {
  c.add_int_input("reduction_axes", c.n.attr.get<sparse_reduce_sum_attrs>().reduction_axes);
}
/// SparseAdd's thresh: a scalar input of Treal, the values' (real) dtype.
inline void export_sparse_add(export_context& c) {
  export_t_of_values(c);
  const dtype t = input_output_type(c, 1);
  c.out.attr["Treal"] = to_data_type(t);
  any_array v(t, dims{});
  visit_dtype(t, [&]<class T>() {
    if constexpr (std::is_arithmetic_v<T>) *v.data<T>() = static_cast<T>(c.n.attr.get<sparse_add_attrs>().thresh);
  });
  c.add_const_input("thresh", v);
}
/// SparseReshape has no type attribute; new_shape is an int64 input.
inline void export_sparse_reshape(export_context& c) {
  c.out.attr.erase("T");
  c.add_int64_input("new_shape", c.n.attr.get<sparse_reshape_attrs>().new_shape);
}

// ---- Queues (ops/queue.hpp; export only) -----------------------------------

/// A queue node's component_types and shapes (mapped fields: TF's list(type) and
/// list(shape)); capacity, container, shared_name (and RandomShuffleQueueV2's
/// min_after_dequeue, seed, seed2) are tf fields, written by write_family_attrs.
/// A priority queue's int64 priority is not listed, as in TF's PriorityQueueV2.
inline void export_queue(export_context& c) {
  AttrValue::ListValue types, shapes;
  visit_queue_attrs(c.n, [&](const auto& a) {
    const std::size_t skip = c.n.op == "PriorityQueueV2" ? 1 : 0;
    std::size_t k = 0;
    for (std::size_t i = 0; i < a.shapes.size(); ++k) {
      const auto rank = static_cast<std::size_t>(a.shapes[i++]);
      TensorShapeProto sp;
      for (std::size_t d = 0; d < rank; ++d) sp.dim.push_back({a.shapes[i + d], {}});
      i += rank;
      if (k < skip) continue;
      types.type.push_back(to_data_type(static_cast<dtype>(a.component_types[k])));
      shapes.shape.push_back(std::move(sp));
    }
  });
  c.out.attr.erase("T");
  c.out.attr["component_types"] = std::move(types);
  c.out.attr["shapes"] = std::move(shapes);
}
/// QueueEnqueueV2, QueueEnqueueManyV2: Tcomponents, the inputs after the queue
/// (timeout_ms is queue_wait_attrs').
inline void export_queue_enqueue(export_context& c) {
  AttrValue::ListValue types;
  for (std::size_t i = 1; i < c.n.inputs.size(); ++i) types.type.push_back(to_data_type(input_output_type(c, i)));
  c.out.attr.erase("T");
  c.out.attr["Tcomponents"] = std::move(types);
}
/// QueueDequeueV2, QueueDequeueManyV2, QueueDequeueUpToV2: component_types, the
/// outputs' dtypes (timeout_ms is queue_wait_attrs').
inline void export_queue_dequeue(export_context& c) {
  c.out.attr.erase("T");
  c.out.attr["component_types"] = output_types(c);
}
/// TF's queue ops have no type attribute T; QueueCloseV2's cancel_pending_enqueues
/// is queue_close_attrs'.
inline void export_untyped(export_context& c) { c.out.attr.erase("T"); }

// ---- Readers and string ops (ops/reader.hpp, ops/string.hpp; export only) ---

/// ReaderReadUpToV2: num_records as an int64 input, as TF's.
inline void export_read_up_to(export_context& c) {
  export_untyped(c);
  c.add_int64_input("num_records", {c.n.attr.get<read_up_to_attrs>().num_records}, true);
}
/// DecodeRaw and StringToNumber name their result's dtype out_type.
inline void export_out_type(export_context& c) {
  c.out.attr.erase("T");
  c.out.attr["out_type"] = to_data_type(c.n.type);
}
/// DecodeCSV: OUT_TYPE, its outputs' dtypes.
inline void export_decode_csv(export_context& c) {
  c.out.attr.erase("T");
  c.out.attr["OUT_TYPE"] = output_types(c);
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
  register_graph_def_op({"Transpose"}, nullptr, export_transpose);
  register_graph_def_op({"ConcatV2"}, nullptr, export_concat);
  register_graph_def_op({"Slice"}, nullptr, export_slice);
  register_graph_def_op({"GatherV2"}, nullptr, export_gather);
  register_graph_def_op({"OneHot"}, nullptr, export_one_hot);
  register_graph_def_op({"Fill"}, nullptr, export_fill);
  register_graph_def_op({"Range"}, nullptr, export_range);
  register_graph_def_op({"BatchMatMulV2", "BatchMatMul"}, nullptr, export_batch_matmul);
  register_graph_def_op({"BiasAdd", "BiasAddV1"}, nullptr, export_bias_add);
  register_graph_def_op({"SoftmaxCrossEntropyWithLogits"}, nullptr, export_swap_inputs);
  register_graph_def_op({"SparseSoftmaxCrossEntropyWithLogits"}, nullptr, export_sparse_xent);
  register_graph_def_op({"Conv2D"}, nullptr, export_window);
  register_graph_def_op({"MaxPool", "AvgPool"}, nullptr, export_window);
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
  register_graph_def_op({"Pack"}, nullptr, export_pack);
  register_graph_def_op({"TopKV2"}, nullptr, export_top_k);
  register_graph_def_op({"VariableV2", "Variable"}, nullptr, export_variable);
  register_graph_def_op({"Assign"}, nullptr, export_assign);
  register_graph_def_op({"AssignAdd"}, nullptr, export_assign);
  register_graph_def_op({"AssignSub"}, nullptr, export_assign);
  register_graph_def_op({"IsVariableInitialized"}, nullptr, export_is_initialized);
  register_graph_def_op({"RandomUniform", "RandomStandardNormal", "TruncatedNormal"}, nullptr, export_random);
  register_graph_def_op({"SparseToDense"}, nullptr, export_sparse_to_dense);
  register_graph_def_op({"SparseTensorDenseMatMul"}, nullptr, export_sparse_dense_matmul);
  register_graph_def_op({"SparseReduceSum"}, nullptr, export_sparse_reduce_sum);
  register_graph_def_op({"SparseAdd"}, nullptr, export_sparse_add);
  register_graph_def_op({"SparseReorder", "SparseRetain"}, nullptr, export_t_of_values);
  register_graph_def_op({"SparseReshape"}, nullptr, export_sparse_reshape);
  register_graph_def_op({"FIFOQueueV2", "RandomShuffleQueueV2", "PaddingFIFOQueueV2", "PriorityQueueV2"}, nullptr,
                        export_queue);
  register_graph_def_op({"QueueEnqueueV2", "QueueEnqueueManyV2"}, nullptr, export_queue_enqueue);
  register_graph_def_op({"QueueDequeueV2", "QueueDequeueManyV2", "QueueDequeueUpToV2"}, nullptr, export_queue_dequeue);
  register_graph_def_op({"QueueCloseV2", "QueueSizeV2", "QueueIsClosedV2"}, nullptr, export_untyped);
  register_graph_def_op({"FixedLengthRecordReaderV2", "TextLineReaderV2", "TFRecordReaderV2", "IdentityReaderV2",
                         "IdxRecordReader", "ReaderReadV2", "ReaderNumRecordsProducedV2",
                         "ReaderNumWorkUnitsCompletedV2", "ReaderResetV2", "ReadFile"},
                        nullptr, export_untyped);
  register_graph_def_op({"ReaderReadUpToV2"}, nullptr, export_read_up_to);
  register_graph_def_op({"DecodeRaw", "StringToNumber"}, nullptr, export_out_type);
  register_graph_def_op({"DecodeCSV"}, nullptr, export_decode_csv);

  return true;
}();

}  // namespace sessionlib::detail::gd

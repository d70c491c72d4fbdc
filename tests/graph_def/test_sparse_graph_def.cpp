// Sparse ops in a GraphDef (issue 13): TF's op types, input order, type
// attributes and the values TF takes as inputs (SparseReduceSum's
// reduction_axes, SparseAdd's thresh, SparseReshape's new_shape), as TF's op
// registry declares them; and a sparse graph round-trips through the binary
// and text encodings to the same nodes and the same values.
#include <doctest/doctest.h>

#include <sessionlib/graph_def.hpp>
#include <sessionlib/graph_def/ops.hpp>
#include <sessionlib/sessionlib.hpp>

namespace sl = sessionlib;
using sl::shape;
using sl::DataType;

namespace {

/// sp (float, (?, 4)), a bool mask, ids (int64, (?, ?)) with weights, and one node of each sparse op.
void build(sl::Graph& g) {
  auto sp = sl::sparse_placeholder<float, shape<sl::dyn, 4>>(g, "sp");
  auto mask = sl::placeholder<bool, shape<sl::dyn>>(g, "mask");
  auto b = sl::placeholder<float, shape<4, 2>>(g, "b");
  (void)sl::sparse_tensor_to_dense(sp, -1.f, false, "dense");  // sp is fed out of order
  (void)sl::sparse_tensor_dense_matmul(sp, b, "matmul");
  (void)sl::sparse_tensor_dense_matmul<true, false>(sp, sl::placeholder<float, shape<3, 5>>(g, "c"), "matmul_adj");
  (void)sl::sparse_reduce_sum<1>(sp, "rows");
  (void)sl::sparse_reduce_sum<0>(sp, sl::keepdims, "cols");
  auto ordered = sl::sparse_reorder(sp, "ordered");
  auto sum = sl::sparse_add(ordered, ordered, 0.5, "sum");
  (void)sl::sparse_tensor_to_dense(sum, 0.f, true, "sum_dense");
  auto flat = sl::sparse_reshape<shape<sl::dyn>>(ordered, "flat");
  (void)sl::sparse_tensor_to_dense(flat, 0.f, true, "flat_dense");
  auto kept = sl::sparse_retain(ordered, mask, "kept");
  (void)sl::sparse_tensor_to_dense(kept, 0.f, true, "kept_dense");
  sl::Variable<float, shape<6, 3>> emb(g, sl::init::constant<float>(0.5f), "emb");
  auto ids = sl::sparse_placeholder<std::int64_t, shape<sl::dyn, sl::dyn>>(g, "ids");
  auto wts = sl::sparse_placeholder<float, shape<sl::dyn, sl::dyn>>(g, "wts");
  (void)sl::nn::embedding_lookup_sparse(emb, ids, wts, "sqrtn", "lookup");
  (void)sl::global_variables_initializer(g);
}

const sl::NodeDef& node(const sl::GraphDef& def, const std::string& name) {
  const sl::NodeDef* n = def.find(name);
  REQUIRE_MESSAGE(n, name);
  return *n;
}
const sl::TensorProto& const_value(const sl::GraphDef& def, const std::string& name) {
  const sl::NodeDef& c = node(def, name);
  REQUIRE(c.op == "Const");
  return *c.attr.at("value").get_if<sl::TensorProto>();
}

sl::feed_dict feeds() {
  sl::feed_dict fd;
  // Out of order on purpose: sparse_reorder sorts it; "dense" does not validate the order.
  fd.emplace_back("sp/indices:0", xt::xtensor<std::int64_t, 2>{{0, 1}, {2, 3}, {1, 0}, {0, 3}});
  fd.emplace_back("sp/values:0", xt::xtensor<float, 1>{1.f, 2.f, 3.f, -0.2f});
  fd.emplace_back("sp/shape:0", xt::xtensor<std::int64_t, 1>{3, 4});
  fd.emplace_back("mask:0", xt::xtensor<bool, 1>{true, false, true, true});
  fd.emplace_back("b:0", xt::xtensor<float, 2>{{1, 2}, {3, 4}, {5, 6}, {7, 8}});
  fd.emplace_back("c:0", xt::xtensor<float, 2>{{1, 0, 1, 0, 2}, {0, 1, 1, 3, 0}, {2, 2, 0, 1, 1}});
  fd.emplace_back("ids/indices:0", xt::xtensor<std::int64_t, 2>{{0, 0}, {0, 1}, {2, 0}});
  fd.emplace_back("ids/values:0", xt::xtensor<std::int64_t, 1>{1, 4, 5});
  fd.emplace_back("ids/shape:0", xt::xtensor<std::int64_t, 1>{3, 2});
  fd.emplace_back("wts/indices:0", xt::xtensor<std::int64_t, 2>{{0, 0}, {0, 1}, {2, 0}});
  fd.emplace_back("wts/values:0", xt::xtensor<float, 1>{1.f, 3.f, 2.f});
  fd.emplace_back("wts/shape:0", xt::xtensor<std::int64_t, 1>{3, 2});
  return fd;
}

}  // namespace

TEST_CASE("to_graph_def writes the sparse ops as TF's registry declares them") {
  sl::Graph g;
  build(g);
  const sl::GraphDef def = sl::to_graph_def(g);

  const sl::NodeDef& dense = node(def, "dense");
  CHECK(dense.op == "SparseToDense");
  CHECK(dense.input == std::vector<std::string>{"sp/indices", "sp/shape", "sp/values", dense.input[3]});
  CHECK(node(def, dense.input[3]).op == "Const");  // default_value
  CHECK(dense.attr.at("T") == sl::AttrValue(DataType::DT_FLOAT));
  CHECK(dense.attr.at("Tindices") == sl::AttrValue(DataType::DT_INT64));
  CHECK(dense.attr.at("validate_indices") == sl::AttrValue(false));
  CHECK(node(def, "sum_dense").attr.at("validate_indices") == sl::AttrValue(true));

  const sl::NodeDef& mm = node(def, "matmul_adj");
  CHECK(mm.op == "SparseTensorDenseMatMul");
  CHECK(mm.input == std::vector<std::string>{"sp/indices", "sp/values", "sp/shape", "c"});
  CHECK(mm.attr.at("Tindices") == sl::AttrValue(DataType::DT_INT64));
  CHECK(mm.attr.at("adjoint_a") == sl::AttrValue(true));
  CHECK(mm.attr.at("adjoint_b") == sl::AttrValue(false));

  // SparseReduceSum(input_indices, input_values, input_shape, reduction_axes: int32).
  const sl::NodeDef& cols = node(def, "cols");
  CHECK(cols.op == "SparseReduceSum");
  REQUIRE(cols.input.size() == 4);
  CHECK(cols.input[3] == "cols/reduction_axes");
  const sl::TensorProto& axes = const_value(def, "cols/reduction_axes");
  CHECK(axes.dtype == DataType::DT_INT32);
  CHECK(sl::to_any_array(axes).to_xtensor<std::int32_t, 1>() == xt::xtensor<std::int32_t, 1>{0});
  CHECK(cols.attr.at("keep_dims") == sl::AttrValue(true));
  CHECK(cols.attr.at("T") == sl::AttrValue(DataType::DT_FLOAT));

  // SparseAdd(a_indices, a_values, a_shape, b_indices, b_values, b_shape, thresh: Treal); T the values'.
  const sl::NodeDef& sum = node(def, "sum");
  CHECK(sum.op == "SparseAdd");
  REQUIRE(sum.input.size() == 7);
  CHECK(sum.input[1] == "ordered:1");
  CHECK(sum.input[6] == "sum/thresh");
  CHECK(sum.attr.at("T") == sl::AttrValue(DataType::DT_FLOAT));
  CHECK(sum.attr.at("Treal") == sl::AttrValue(DataType::DT_FLOAT));
  CHECK(sl::to_any_array(const_value(def, "sum/thresh")).scalar<float>() == 0.5f);
  CHECK(sum.attr.count("thresh") == 0);

  CHECK(node(def, "ordered").op == "SparseReorder");
  CHECK(node(def, "ordered").attr.at("T") == sl::AttrValue(DataType::DT_FLOAT));

  // SparseReshape(input_indices, input_shape, new_shape: int64) has no type attribute.
  const sl::NodeDef& flat = node(def, "flat");
  CHECK(flat.op == "SparseReshape");
  CHECK(flat.input == std::vector<std::string>{"ordered", "sp/shape", "flat/new_shape"});
  CHECK(flat.attr.count("T") == 0);
  const sl::TensorProto& ns = const_value(def, "flat/new_shape");
  CHECK(ns.dtype == DataType::DT_INT64);
  CHECK(sl::to_any_array(ns).to_xtensor<std::int64_t, 1>() == xt::xtensor<std::int64_t, 1>{-1});

  CHECK(node(def, "kept").op == "SparseRetain");
  CHECK(node(def, "kept").attr.at("T") == sl::AttrValue(DataType::DT_FLOAT));
  CHECK(node(def, "lookup").op == "EmbeddingLookupSparse");
  CHECK(node(def, "lookup").input.size() == 5);
}

TEST_CASE("a type attribute read from an input is that output's dtype, not its node's output 0's") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<2, 5>>(g, "x");
  auto [values, indices] = sl::nn::top_k<3>(x);
  (void)values;
  (void)sl::cast<float>(indices, "indices_f");
  const sl::GraphDef def = sl::to_graph_def(g);
  CHECK(node(def, "indices_f").attr.at("SrcT") == sl::AttrValue(DataType::DT_INT32));
  CHECK(node(def, "indices_f").attr.at("DstT") == sl::AttrValue(DataType::DT_FLOAT));
}

TEST_CASE("a sparse graph round-trips through GraphDef to the same nodes and values") {
  sl::Graph g;
  build(g);
  const sl::GraphDef def = sl::to_graph_def(g);
  const std::vector<std::string> fetched{"dense:0",  "matmul:0",  "matmul_adj:0", "rows:0",       "cols:0",
                                         "ordered:0", "ordered:1", "sum:0",        "sum:1",        "sum:2",
                                         "sum_dense:0", "flat:0",  "flat:1",       "flat_dense:0", "kept:0",
                                         "kept:1",   "kept_dense:0", "lookup:0"};
  sl::Session sa(g);
  sa.run(g.operation("init"));
  for (bool text : {false, true}) {
    CAPTURE(text);
    const sl::GraphDef back = sl::parse_graph_def(sl::serialize_graph_def(def, text), text);
    REQUIRE(back == def);
    sl::Graph g2;
    (void)sl::import_graph_def(g2, back, {.name = ""});
    REQUIRE(g2.size() == g.size());
    for (sl::node_id i = 0; i < g.size(); ++i) {
      const sl::node& p = g.at(i);
      CAPTURE(p.name);
      const auto id = g2.find(p.name);
      REQUIRE(id);
      const sl::node& q = g2.at(*id);
      CHECK(q.op == p.op);
      CHECK(q.type == p.type);
      CHECK(q.shape == p.shape);
      CHECK(q.num_outputs() == p.num_outputs());
      CHECK(q.attr.family == p.attr.family);
      CHECK(q.inputs.size() == p.inputs.size());
    }
    CHECK(sl::to_graph_def(g2) == def);
    sl::Session sb(g2);
    sb.run(g2.operation("init"));
    const sl::feed_dict fd = feeds();
    for (const std::string& name : fetched) {
      CAPTURE(name);
      const sl::any_array want = sa.run(name, fd), got = sb.run(name, fd);
      CHECK(got.dtype() == want.dtype());
      CHECK(got.shape() == want.shape());
      CHECK(std::memcmp(got.raw(), want.raw(), want.nbytes()) == 0);
    }
  }
  // Values checked by hand for a few of them (numpy: a[tuple(idx.T)] = vals).
  const sl::feed_dict fd = feeds();
  CHECK(sa.run("sum_dense:0", fd).to_xtensor<float, 2>() ==
        xt::xtensor<float, 2>{{0, 2, 0, 0}, {6, 0, 0, 0}, {0, 0, 0, 4}});  // |2 * -0.2| < 0.5 is dropped
  CHECK(sa.run("rows:0", fd).to_xtensor<float, 1>() == xt::xtensor<float, 1>{0.8f, 3.f, 2.f});
  CHECK(sa.run("kept:1", fd).to_xtensor<float, 1>() == xt::xtensor<float, 1>{1.f, 3.f, 2.f});
}

TEST_CASE("importing sparse ops from TF's spelling: an empty reduction_axes reduces every axis") {
  sl::Graph g;
  build(g);
  sl::GraphDef def = sl::to_graph_def(g);
  // tf.sparse.reduce_sum(sp) with no axis: TF passes every axis; an empty list means the same to the op.
  for (auto& n : def.node)
    if (n.name == "rows/reduction_axes") n.attr["value"] = sl::to_tensor_proto(sl::any_array(sl::dtype::int32, sl::dims{0}));
  for (auto& n : def.node)
    if (n.name == "rows") n.attr.erase("_output_shapes");
  sl::Graph g2;
  (void)sl::import_graph_def(g2, def, {.name = ""});
  const sl::node& rows = g2.at(*g2.find("rows"));
  CHECK(rows.shape.empty());
  CHECK(rows.attr.get<sl::sparse_reduce_sum_attrs>().reduction_axes == std::vector<std::int64_t>{0, 1});
  sl::Session s(g2);
  CHECK(s.run("rows:0", feeds()).scalar<float>() == doctest::Approx(5.8f));
}

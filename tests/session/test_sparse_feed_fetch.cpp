// Sparse tensors in run() (issue 13): sl::SparseTensor fetched as an
// sl::SparseTensorValue in every fetch structure and in callables, fed from a
// SparseTensorValue (checked at run time with TF's messages), built from three
// dense handles. The ops over sparse tensors are tested in tests/ops.
#include "session_test.hpp"

#include <map>
#include <sessionlib/ops/sparse.hpp>
#include <sessionlib/session/into.hpp>

using sl::shape;
using SV2 = sl::SparseTensorValue<float, 2>;

namespace {
SV2 sample() { return SV2{{{0, 0}, {1, 2}}, {1.f, 2.f}, {3, 4}}; }
void check_sample(const SV2& v) {
  CHECK(v.indices == xt::xtensor<std::int64_t, 2>{{0, 0}, {1, 2}});
  CHECK(v.values == xt::xtensor<float, 1>{1.f, 2.f});
  CHECK(v.dense_shape == xt::xtensor<std::int64_t, 1>{3, 4});
}
template <class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const sl::error& e) {
    return e.what();
  }
  return "no error";
}
template <class F>
std::string node_of(F&& f) {
  try {
    f();
  } catch (const sl::error& e) {
    return e.node();
  }
  return "no error";
}
}  // namespace

TEST_CASE("sparse_placeholder: three placeholders in a name scope, typed parts") {
  sl::Graph g;
  auto sp = sl::sparse_placeholder<float, shape<sl::dyn, 4>>(g, "sp");
  static_assert(std::is_same_v<decltype(sp), sl::SparseTensor<float, shape<sl::dyn, 4>>>);
  static_assert(std::is_same_v<decltype(sp.indices()), sl::Tensor<std::int64_t, shape<sl::dyn, 2>>>);
  static_assert(std::is_same_v<decltype(sp.values()), sl::Tensor<float, shape<sl::dyn>>>);
  static_assert(std::is_same_v<decltype(sp.dense_shape()), sl::Tensor<std::int64_t, shape<2>>>);
  static_assert(!sl::TensorLike<decltype(sp)>);
  static_assert(sl::Fetchable<decltype(sp)>);
  static_assert(std::is_same_v<sl::fetch_result_t<decltype(sp)>, SV2>);
  CHECK(sp.indices().name() == "sp/indices:0");
  CHECK(sp.values().name() == "sp/values:0");
  CHECK(sp.dense_shape().name() == "sp/shape:0");
  CHECK(g.at(sp.values().id()).op == "Placeholder");
  auto again = sl::sparse_placeholder<double, shape<3>>(g, "sp");
  CHECK(again.values().name() == "sp_1/values:0");
  auto unnamed = sl::sparse_placeholder<float, shape<2, 2>>(g);
  CHECK(unnamed.indices().name() == "SparsePlaceholder/indices:0");
}

TEST_CASE("SparseTensor feeds and fetches: the value back, in every structure") {
  sl::Graph g;
  auto sp = sl::sparse_placeholder<float, shape<sl::dyn, 4>>(g, "sp");
  auto c = sl::constant(g, 2.f);
  sl::Session sess(g);
  const SV2 sv = sample();

  SUBCASE("alone, and a temporary value") {
    check_sample(sess.run(sp, {{sp, sv}}));
    check_sample(sess.run(sp, {{sp, sample()}}));
  }
  SUBCASE("parts fetched as dense tensors, beside the whole") {
    auto [whole, values, shape_v] = sess.run(std::tuple{sp, sp.values(), sp.dense_shape()}, {{sp, sv}});
    check_sample(whole);
    CHECK(values == xt::xtensor<float, 1>{1.f, 2.f});
    CHECK(shape_v == xt::xtensor<std::int64_t, 1>{3, 4});
  }
  SUBCASE("tuple, pair, array, vector, map, variant, nested") {
    auto [a, s] = sess.run(std::tuple{sp, c}, {{sp, sv}});
    check_sample(a);
    CHECK(s == 2.f);
    auto p = sess.run(std::pair{c, sp}, {{sp, sv}});
    check_sample(p.second);
    auto arr = sess.run(std::array{sp, sp}, {{sp, sv}});
    check_sample(arr[0]);
    check_sample(arr[1]);
    auto vec = sess.run(std::vector{sp}, {{sp, sv}});
    REQUIRE(vec.size() == 1);
    check_sample(vec[0]);
    auto m = sess.run(std::map<std::string, decltype(sp)>{{"a", sp}}, {{sp, sv}});
    check_sample(m.at("a"));
    using Var = std::variant<decltype(sp), sl::Tensor<float, shape<>>>;
    auto v = sess.run(Var{sp}, {{sp, sv}});
    check_sample(std::get<0>(v));
    auto nested = sess.run(std::tuple{std::vector{std::pair{sp, c}}}, {{sp, sv}});
    check_sample(std::get<0>(nested)[0].first);
  }
  SUBCASE("aggregates: a class template rebinds, another gives a tuple") {
    struct Plain {
      decltype(sp) s;
      sl::Tensor<float, shape<>> k;
    };
    auto t = sess.run(Plain{sp, c}, {{sp, sv}});
    static_assert(std::is_same_v<decltype(t), std::tuple<SV2, float>>);
    check_sample(std::get<0>(t));
  }
  SUBCASE("a feed_dict built at run time, and run_into") {
    sl::feed_dict fd;
    fd.emplace_back(sp, sample());  // a temporary, kept alive by the entry
    check_sample(sess.run(sp, fd));
    SV2 out;
    sess.run_into(out, sp, {{sp, sv}});
    check_sample(out);
  }
  SUBCASE("make_callable results, fed through the parts") {
    auto f = sess.make_callable(std::tuple{sp, c}, sl::feed_list(sp.indices(), sp.values(), sp.dense_shape()));
    auto [r, k] = f(sv.indices, sv.values, sv.dense_shape);
    check_sample(r);
    CHECK(k == 2.f);
  }
  SUBCASE("partial runs take a sparse feed") {
    auto h = sess.partial_run_setup(std::tuple{sp}, sl::feed_list(sp.indices(), sp.values(), sp.dense_shape()));
    check_sample(sess.partial_run(h, sp, {{sp, sv}}));
  }
  SUBCASE("the default session's eval") {
    auto guard = sess.as_default();
    CHECK(sp.values().eval({{sp, sv}}) == xt::xtensor<float, 1>{1.f, 2.f});
  }
  SUBCASE("an empty sparse tensor") {
    SV2 empty{xt::xtensor<std::int64_t, 2>::from_shape({0, 2}), {}, {5, 4}};
    auto r = sess.run(sp, {{sp, empty}});
    CHECK(r.nnz() == 0);
    CHECK(r.indices.shape(1) == 2);
    CHECK(r.dense_shape == xt::xtensor<std::int64_t, 1>{5, 4});
  }
}

TEST_CASE("SparseTensor feeds are checked at run time with TF's messages, naming the node") {
  sl::Graph g;
  auto sp = sl::sparse_placeholder<float, shape<sl::dyn, 4>>(g, "sp");
  sl::Session sess(g);
  auto run = [&](SV2 v) { return [&sess, &sp, v] { (void)sess.run(sp, {{sp, v}}); }; };

  const SV2 out_of_range{{{0, 0}, {0, 5}}, {1.f, 2.f}, {3, 4}};
  CHECK(message_of(run(out_of_range)) == "indices[1] = [0,5] is out of bounds: need 0 <= index < [3,4]");
  CHECK(node_of(run(out_of_range)) == "sp/indices");
  const SV2 negative{{{-1, 0}}, {1.f}, {3, 4}};
  CHECK(message_of(run(negative)) == "indices[0] = [-1,0] is out of bounds: need 0 <= index < [3,4]");

  const SV2 nnz{{{0, 0}, {1, 1}, {2, 2}}, {1.f, 2.f}, {3, 4}};
  CHECK(message_of(run(nnz)) ==
        "indices and values rows (indexing dimension) must match. (indices = 3, values = 2)");
  CHECK(node_of(run(nnz)) == "sp/values");

  const SV2 wrong_static{{{0, 0}}, {1.f}, {3, 5}};
  CHECK(message_of(run(wrong_static)) ==
        "Cannot feed a SparseTensorValue of dense shape [3,5] for SparseTensor 'sp/shape:0', which has shape (?, 4)");
  CHECK(node_of(run(wrong_static)) == "sp/shape");

  const SV2 columns{xt::xtensor<std::int64_t, 2>{{0, 0, 0}}, {1.f}, {3, 4}};
  CHECK(message_of(run(columns)) == "Cannot feed value of shape (1, 3) for Tensor 'sp/indices:0', which has shape (?, 2)");
  const SV2 shape_length{{{0, 0}}, {1.f}, {3, 4, 1}};
  CHECK(message_of(run(shape_length)) == "Cannot feed value of shape (3,) for Tensor 'sp/shape:0', which has shape (2,)");
  const SV2 negative_dim{{{0, 0}}, {1.f}, {-3, 4}};
  CHECK(message_of(run(negative_dim)) == "Dimension -3 must be >= 0");

  // Out of order is no feed error (TF checks it in the ops that need it).
  const SV2 unsorted{{{1, 0}, {0, 0}}, {1.f, 2.f}, {3, 4}};
  CHECK(sess.run(sp.values(), {{sp, unsorted}}) == xt::xtensor<float, 1>{1.f, 2.f});

  // Fed twice: once whole, once by a part.
  const SV2 ok = sample();
  CHECK(message_of([&] { (void)sess.run(sp, {{sp, ok}, {sp.values(), ok.values}}); }) ==
        "Tensor 'sp/values:0' is fed more than once");
  // Unfed: the placeholders' message.
  CHECK(message_of([&] { (void)sess.run(sp); }).starts_with("You must feed a value for placeholder tensor 'sp/"));
}

TEST_CASE("SparseTensor from three dense handles (tf.SparseTensor(indices, values, dense_shape))") {
  sl::Graph g;
  auto indices = sl::constant(g, {{std::int64_t{0}, std::int64_t{1}}, {std::int64_t{2}, std::int64_t{3}}});
  auto values = sl::placeholder<double, shape<sl::dyn>>(g, "v");
  auto dense_shape = sl::constant(g, {std::int64_t{3}, std::int64_t{4}});
  sl::SparseTensor<double, shape<3, 4>> st(indices, values, dense_shape);
  CHECK(st.indices() == sl::Tensor<std::int64_t, shape<sl::dyn, 2>>(&g, indices.id()));
  sl::Session sess(g);
  const xt::xtensor<double, 1> vv{5.0, 6.0};
  const auto r = sess.run(st, {{values, vv}});
  static_assert(std::is_same_v<std::remove_cv_t<decltype(r)>, sl::SparseTensorValue<double, 2>>);
  CHECK(r.indices == xt::xtensor<std::int64_t, 2>{{0, 1}, {2, 3}});
  CHECK(r.values == vv);
  CHECK(r.dense_shape == xt::xtensor<std::int64_t, 1>{3, 4});
  // Fed as a whole: its parts take the value, constants included.
  const sl::SparseTensorValue<double, 2> other{{{1, 1}, {2, 0}}, {9.0, 8.0}, {3, 4}};
  const auto fed = sess.run(st, {{st, other}});
  CHECK(fed.values == xt::xtensor<double, 1>{9.0, 8.0});
  CHECK(fed.indices == xt::xtensor<std::int64_t, 2>{{1, 1}, {2, 0}});
  // The parts keep their static shapes: the constant indices are (2, 2).
  const sl::SparseTensorValue<double, 2> one{{{1, 1}}, {9.0}, {3, 4}};
  CHECK(message_of([&] { (void)sess.run(st, {{st, one}}); }) ==
        "Cannot feed value of shape (1, 2) for Tensor '" + indices.name() + "', which has shape (2, 2)");

  sl::Graph other_graph;
  auto foreign = sl::constant(other_graph, {std::int64_t{3}, std::int64_t{4}});
  CHECK(message_of([&] { sl::SparseTensor<double, shape<3, 4>> bad(indices, values, foreign); }) ==
        "Tensors must be from the same graph as '" + indices.name() + "'");
}

// Sparse gradients (TF's IndexedSlices, issue 13): the gradient of gather /
// embedding_lookup is applied by every optimizer as a sparse update of the
// rows looked up. Checked against the dense update (the same gradient made
// dense by an identity, which the optimizers apply densely) and against plain
// reference loops of TF's sparse formulas; untouched rows stay bit-identical;
// the dense GatherGrad node never runs; errors as TF words them.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>
#include <sessionlib/sessionlib.hpp>
#include <sessionlib/runtime/kernels/apply.hpp>  // PlainSGD below reuses an update kernel

namespace sl = sessionlib;
using sl::shape;

namespace {

constexpr std::size_t rows = 6, dim = 3;

using make_optimizer = std::function<std::unique_ptr<sl::train::Optimizer>()>;

struct named_optimizer {
  const char* name;
  make_optimizer make;
  const char* sparse_op;
};

std::vector<named_optimizer> optimizers() {
  namespace tr = sl::train;
  return {
      {"GradientDescent", [] { return std::make_unique<tr::GradientDescentOptimizer>(0.1); }, "SparseApplyGradientDescent"},
      {"Momentum", [] { return std::make_unique<tr::MomentumOptimizer>(0.1, 0.9); }, "SparseApplyMomentum"},
      {"Momentum (Nesterov)", [] { return std::make_unique<tr::MomentumOptimizer>(0.1, 0.9, false, "Momentum", true); },
       "SparseApplyMomentum"},
      {"Adam", [] { return std::make_unique<tr::AdamOptimizer>(0.1); }, "SparseApplyAdam"},
      {"RMSProp", [] { return std::make_unique<tr::RMSPropOptimizer>(0.1, 0.9, 0.5); }, "SparseApplyRMSProp"},
      {"Adagrad", [] { return std::make_unique<tr::AdagradOptimizer>(0.1); }, "SparseApplyAdagrad"},
  };
}

template <class T>
xt::xtensor<T, 2> random_matrix(std::size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<double> d(-1.0, 1.0);
  auto out = xt::xtensor<T, 2>::from_shape({n, dim});
  for (auto& v : out) v = static_cast<T>(d(rng));
  return out;
}

// loss = sum(embedding_lookup(w, ids) * c): the gradient to the looked-up rows is c.
// With `dense`, the optimizer is given identity(gradient), which it applies densely.
template <class T>
struct model {
  sl::Graph g;
  sl::Variable<T, shape<rows, dim>> w;
  sl::Tensor<std::int64_t, shape<sl::dyn>> ids = sl::placeholder<std::int64_t, shape<sl::dyn>>(g, "ids");
  sl::Tensor<T, shape<sl::dyn, dim>> c = sl::placeholder<T, shape<sl::dyn, dim>>(g, "c");
  sl::Tensor<T, shape<sl::dyn, dim>> looked = sl::nn::embedding_lookup(w, ids);
  sl::Tensor<T, shape<>> loss = sl::reduce_sum(looked * c);
  std::unique_ptr<sl::train::Optimizer> opt;
  std::vector<sl::train::grad_and_var> grads;
  sl::Operation train;
  sl::Session sess{g};

  model(const make_optimizer& make, bool dense, const xt::xtensor<T, 2>& w0) : w(g, w0, "w"), opt(make()) {
    grads = opt->compute_gradients(loss);
    if (dense) grads[0] = sl::train::grad_and_var::of(sl::identity(grads[0].gradient<T, shape<rows, dim>>()), w);
    train = opt->apply_gradients(grads);
    sess.run(sl::global_variables_initializer(g));
  }
  void step(const xt::xtensor<std::int64_t, 1>& i, const xt::xtensor<T, 2>& cv) { sess.run(train, {{ids, i}, {c, cv}}); }
  xt::xtensor<T, 2> value() { return sess.run(w); }
  // The variable and each of its slots, in get_slot_names() order.
  std::vector<xt::xtensor<T, 2>> state() {
    std::vector<xt::xtensor<T, 2>> out{value()};
    for (const auto& s : opt->get_slot_names()) out.push_back(sess.run(opt->get_slot(w, s)->name()).template as<T, 2>());
    return out;
  }
  // The ops of one traced step.
  std::vector<sl::NodeExecStats> traced_step(const xt::xtensor<std::int64_t, 1>& i, const xt::xtensor<T, 2>& cv) {
    sl::RunOptions o;
    o.trace_level = sl::RunOptions::TraceLevel::full_trace;
    sl::RunMetadata md;
    sess.run(train, {{ids, i}, {c, cv}}, o, &md);
    return md.step_stats;
  }
};

template <class T>
double tolerance() {
  return std::is_same_v<T, float> ? 1e-5 : 1e-12;
}

template <class T>
void check_close(const xt::xtensor<T, 2>& got, const xt::xtensor<T, 2>& want, const char* what) {
  REQUIRE(got.shape() == want.shape());
  for (std::size_t r = 0; r < got.shape(0); ++r)
    for (std::size_t j = 0; j < got.shape(1); ++j) {
      INFO(what << "[" << r << ", " << j << "]");
      CHECK(static_cast<double>(got(r, j)) ==
            doctest::Approx(static_cast<double>(want(r, j))).epsilon(tolerance<T>()).scale(1.0));
    }
}

// `n` ids over [0, rows) with at least one repeated; `all`: every row at least once.
xt::xtensor<std::int64_t, 1> random_ids(std::size_t n, bool all, std::mt19937& rng) {
  std::uniform_int_distribution<std::int64_t> d(0, all ? static_cast<std::int64_t>(rows) - 1 : 3);
  auto out = xt::xtensor<std::int64_t, 1>::from_shape({n});
  for (auto& v : out) v = d(rng);
  std::size_t k = 0;
  if (all)
    for (; k < rows; ++k) out(k) = static_cast<std::int64_t>(k);
  out(n - 1) = out(0);
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

}  // namespace

TEST_CASE_TEMPLATE("every optimizer's sparse update equals its dense update when every row is touched", T, float, double) {
  for (const auto& o : optimizers()) {
    CAPTURE(o.name);
    std::mt19937 rng(7);
    const xt::xtensor<T, 2> w0 = random_matrix<T>(rows, rng);
    model<T> sparse(o.make, false, w0), dense(o.make, true, w0);
    for (int step = 1; step <= 4; ++step) {
      CAPTURE(step);
      const auto ids = random_ids(rows + 3, true, rng);
      const xt::xtensor<T, 2> cv = random_matrix<T>(rows + 3, rng);
      sparse.step(ids, cv);
      std::set<std::string> dense_ops;
      for (const auto& st : dense.traced_step(ids, cv)) dense_ops.insert(st.op);
      CHECK(dense_ops.count(o.sparse_op) == 0);  // the reference really is the dense update
      CHECK(dense_ops.count("GatherGrad") == 1);
      const auto s = sparse.state(), d = dense.state();
      REQUIRE(s.size() == d.size());
      for (std::size_t k = 0; k < s.size(); ++k) check_close(s[k], d[k], k == 0 ? "var" : "slot");
    }
  }
}

TEST_CASE_TEMPLATE("rows no index names keep their bits; touched rows follow TF's sparse formulas", T, float, double) {
  // Reference loops in double over TF's sparse semantics: SGD per occurrence,
  // the others per distinct row with duplicates summed.
  struct ref_state {
    std::vector<std::vector<double>> v;  // var, then slots
  };
  const auto reference = [](const std::string& name, ref_state& st, const xt::xtensor<std::int64_t, 1>& ids,
                            const xt::xtensor<double, 2>& c) {
    const double lr = 0.1;
    if (name == "GradientDescent") {
      for (std::size_t i = 0; i < ids.size(); ++i)
        for (std::size_t j = 0; j < dim; ++j) st.v[0][static_cast<std::size_t>(ids(i)) * dim + j] -= c(i, j) * lr;
      return;
    }
    std::map<std::int64_t, std::vector<double>> sum;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      auto& s = sum[ids(i)];
      s.resize(dim, 0.0);
      for (std::size_t j = 0; j < dim; ++j) s[j] += c(i, j);
    }
    for (const auto& [r, g] : sum)
      for (std::size_t j = 0; j < dim; ++j) {
        const std::size_t e = static_cast<std::size_t>(r) * dim + j;
        double &w = st.v[0][e], &a = st.v[1][e];
        if (name == "Momentum") {
          a = a * 0.9 + g[j];
          w -= lr * a;
        } else if (name == "Momentum (Nesterov)") {
          a = a * 0.9 + g[j];
          w -= g[j] * lr + a * 0.9 * lr;
        } else if (name == "Adagrad") {
          a += g[j] * g[j];
          w -= lr * g[j] / std::sqrt(a);
        } else if (name == "RMSProp") {
          double& mom = st.v[2][e];
          a += (g[j] * g[j] - a) * (1 - 0.9);
          mom = mom * 0.5 + lr * g[j] / std::sqrt(a + 1e-10);
          w -= mom;
        }
      }
  };
  for (const auto& o : optimizers()) {
    if (std::string(o.name) == "Adam") continue;  // TF1's sparse Adam moves every row: below
    CAPTURE(o.name);
    std::mt19937 rng(11);
    const xt::xtensor<T, 2> w0 = random_matrix<T>(rows, rng);
    model<T> m(o.make, false, w0);
    ref_state ref;
    for (const auto& s : m.state()) ref.v.emplace_back(s.begin(), s.end());
    for (int step = 1; step <= 3; ++step) {
      CAPTURE(step);
      const auto ids = random_ids(5, false, rng);  // rows 0..3 only: 4 and 5 are never touched
      const xt::xtensor<T, 2> cv = random_matrix<T>(5, rng);
      const auto before = m.state();
      m.step(ids, cv);
      const auto after = m.state();
      reference(o.name, ref, ids, xt::xtensor<double, 2>(xt::cast<double>(cv)));
      const std::set<std::int64_t> touched(ids.begin(), ids.end());
      for (std::size_t k = 0; k < after.size(); ++k)
        for (std::size_t r = 0; r < rows; ++r)
          for (std::size_t j = 0; j < dim; ++j) {
            CAPTURE(k);
            CAPTURE(r);
            if (!touched.count(static_cast<std::int64_t>(r))) {
              CHECK(std::memcmp(&after[k](r, j), &before[k](r, j), sizeof(T)) == 0);
            } else {
              CHECK(static_cast<double>(after[k](r, j)) == doctest::Approx(ref.v[k][r * dim + j]).epsilon(tolerance<T>()));
            }
          }
    }
  }
}

TEST_CASE("Adam's sparse update is TF1's: m and v decay in every row and every row moves") {
  std::mt19937 rng(5);
  const xt::xtensor<float, 2> w0 = random_matrix<float>(rows, rng);
  const auto adam = [] { return std::make_unique<sl::train::AdamOptimizer>(0.1); };
  model<float> sparse(adam, false, w0), dense(adam, true, w0);
  for (int step = 1; step <= 4; ++step) {
    CAPTURE(step);
    // Row 5 is looked up at step 1 only (twice), later rows 0..3.
    const auto ids = step == 1 ? xt::xtensor<std::int64_t, 1>{5, 0, 1, 5, 2} : random_ids(5, false, rng);
    const xt::xtensor<float, 2> cv = random_matrix<float>(5, rng);
    const auto before = sparse.value();
    sparse.step(ids, cv);
    dense.step(ids, cv);
    const auto s = sparse.state(), d = dense.state();
    for (std::size_t k = 0; k < s.size(); ++k) check_close(s[k], d[k], k == 0 ? "var" : "slot");
    if (step > 1) CHECK(sparse.value()(5, 0) != before(5, 0));  // not looked up now, moved by its momentum
  }
}

TEST_CASE("the dense GatherGrad node does not run; fetching the gradient yields its dense value") {
  for (const auto& o : optimizers()) {
    CAPTURE(o.name);
    std::mt19937 rng(3);
    model<float> m(o.make, false, random_matrix<float>(rows, rng));
    const std::string grad_node = m.g.tensor_name(m.grads[0].grad);
    const auto ids = random_ids(4, false, rng);
    const xt::xtensor<float, 2> cv = random_matrix<float>(4, rng);
    std::set<std::string> ran, ops;
    for (const auto& st : m.traced_step(ids, cv)) {
      ran.insert(st.node_name);
      ops.insert(st.op);
    }
    CHECK(grad_node.rfind("/GatherGrad") != std::string::npos);
    CHECK(ran.count(grad_node.substr(0, grad_node.find(':'))) == 0);
    CHECK(ops.count("GatherGrad") == 0);
    CHECK(ops.count(o.sparse_op) == 1);
    CHECK(ran.count(m.opt->name() + "/update_w") == 1);

    // Fetched beside the train op, the gradient is computed and is dense (TF's
    // convert_to_tensor of an IndexedSlices): rows scattered into zeros.
    const auto grad = m.grads[0].gradient<float, shape<rows, dim>>();
    auto [none, dg] = m.sess.run(std::tuple{m.train, grad}, {{m.ids, ids}, {m.c, cv}});
    static_assert(std::is_same_v<decltype(dg), xt::xtensor<float, 2>>);
    (void)none;
    xt::xtensor<float, 2> want = xt::zeros<float>({rows, dim});
    for (std::size_t i = 0; i < ids.size(); ++i)
      for (std::size_t j = 0; j < dim; ++j) want(static_cast<std::size_t>(ids(i)), j) += cv(i, j);
    CHECK(dg == want);
  }
}

TEST_CASE("two lookups of one variable give one IndexedSlices of both parts") {
  // int64 ids in one lookup, int32 in the other; the sum of both GatherGrads
  // (an AddN) is never computed either.
  for (const auto& o : optimizers()) {
    CAPTURE(o.name);
    std::mt19937 rng(13);
    const xt::xtensor<double, 2> w0 = random_matrix<double>(rows, rng);
    struct two {
      sl::Graph g;
      sl::Variable<double, shape<rows, dim>> w;
      sl::Tensor<std::int64_t, shape<sl::dyn>> a = sl::placeholder<std::int64_t, shape<sl::dyn>>(g, "a");
      sl::Tensor<std::int32_t, shape<sl::dyn>> b = sl::placeholder<std::int32_t, shape<sl::dyn>>(g, "b");
      sl::Tensor<double, shape<sl::dyn, dim>> ca = sl::placeholder<double, shape<sl::dyn, dim>>(g, "ca");
      sl::Tensor<double, shape<sl::dyn, dim>> cb = sl::placeholder<double, shape<sl::dyn, dim>>(g, "cb");
      std::unique_ptr<sl::train::Optimizer> opt;
      sl::Operation train;
      std::string grad_node;
      sl::Session sess{g};
      two(const make_optimizer& make, bool dense, const xt::xtensor<double, 2>& w0) : w(g, w0, "w"), opt(make()) {
        auto loss = sl::reduce_sum(sl::gather(w, a) * ca) + sl::reduce_sum(sl::nn::embedding_lookup(w, b) * cb);
        auto grads = opt->compute_gradients(loss);
        grad_node = g.tensor_name(grads[0].grad);
        if (dense) grads[0] = sl::train::grad_and_var::of(sl::identity(grads[0].gradient<double, shape<rows, dim>>()), w);
        train = opt->apply_gradients(grads);
        sess.run(sl::global_variables_initializer(g));
      }
    };
    two sparse(o.make, false, w0), dense(o.make, true, w0);
    CHECK(sparse.grad_node.find("AddN") != std::string::npos);
    for (int step = 1; step <= 3; ++step) {
      const xt::xtensor<std::int64_t, 1> ia{0, 2, 2, 5, 1, 3};
      const xt::xtensor<std::int32_t, 1> ib{4, 0, 2};
      const xt::xtensor<double, 2> ca = random_matrix<double>(6, rng), cb = random_matrix<double>(3, rng);
      sl::RunOptions opts;
      opts.trace_level = sl::RunOptions::TraceLevel::full_trace;
      sl::RunMetadata md;
      sparse.sess.run(sparse.train, {{sparse.a, ia}, {sparse.b, ib}, {sparse.ca, ca}, {sparse.cb, cb}}, opts, &md);
      dense.sess.run(dense.train, {{dense.a, ia}, {dense.b, ib}, {dense.ca, ca}, {dense.cb, cb}});
      for (const auto& st : md.step_stats) {
        CHECK(st.op != "GatherGrad");
        CHECK(st.op != "AddN");
      }
      check_close<double>(sparse.sess.run(sparse.w), dense.sess.run(dense.w), "var");
    }
  }
}

TEST_CASE("a gradient mixing rows and a dense part is applied densely") {
  std::mt19937 rng(17);
  sl::Graph g;
  sl::Variable<float, shape<rows, dim>> w(g, random_matrix<float>(rows, rng), "w");
  auto ids = sl::placeholder<std::int64_t, shape<sl::dyn>>(g, "ids");
  auto loss = sl::reduce_sum(sl::gather(w, ids)) + sl::nn::l2_loss(w);
  auto train = sl::train::GradientDescentOptimizer(0.5).minimize(loss);
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  const xt::xtensor<float, 2> w0 = sess.run(w);
  sl::RunOptions o;
  o.trace_level = sl::RunOptions::TraceLevel::full_trace;
  sl::RunMetadata md;
  sess.run(train, {{ids, xt::xtensor<std::int64_t, 1>{1, 1, 4}}}, o, &md);
  std::set<std::string> ops;
  for (const auto& st : md.step_stats) ops.insert(st.op);
  CHECK(ops.count("ApplyGradientDescent") == 1);
  CHECK(ops.count("SparseApplyGradientDescent") == 0);
  const xt::xtensor<float, 2> w1 = sess.run(w);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t j = 0; j < dim; ++j) {
      const float hits = r == 1 ? 2.f : r == 4 ? 1.f : 0.f;
      CHECK(w1(r, j) == doctest::Approx(w0(r, j) - 0.5f * (hits + w0(r, j))));
    }
}

TEST_CASE("an index outside the variable: TF's messages, naming the update, before any row changes") {
  // The lookup's output is fed, so only the update sees the ids (TF checks them in both).
  const auto run = [](const make_optimizer& make, const xt::xtensor<std::int64_t, 1>& bad) {
    model<float> m(make, false, xt::ones<float>({rows, dim}));
    const xt::xtensor<float, 2> cv = xt::ones<float>({bad.size(), dim});
    const xt::xtensor<float, 2> w0 = m.value();
    std::string message, node;
    try {
      m.sess.run(m.train, {{m.ids, bad}, {m.c, cv}, {m.looked, cv}});
    } catch (const sl::invalid_argument& e) {
      message = e.what();
      node = e.node();
    }
    CHECK(m.value() == w0);
    return std::pair{message, node};
  };
  namespace tr = sl::train;
  const xt::xtensor<std::int64_t, 1> seven{1, 7}, negative{-1};
  auto [m1, n1] = run([] { return std::make_unique<tr::GradientDescentOptimizer>(0.1); }, seven);
  CHECK(m1 == "indices[1] = 7 is not in [0, 6)");
  CHECK(n1 == "GradientDescent/update_w");
  auto [m2, n2] = run([] { return std::make_unique<tr::AdagradOptimizer>(0.1); }, seven);
  CHECK(m2 == "Index 7 at offset 1 in indices is out of range");
  CHECK(n2 == "Adagrad/update_w");
  auto [m3, n3] = run([] { return std::make_unique<tr::MomentumOptimizer>(0.1, 0.9); }, negative);
  CHECK(m3 == "Index -1 at offset 0 in indices is out of range");
  CHECK(n3 == "Momentum/update_w");
  auto [m4, n4] = run([] { return std::make_unique<tr::AdamOptimizer>(0.1); }, negative);
  CHECK(m4 == "indices[0] = -1 is not in [0, 6)");
  CHECK(n4 == "Adam/update_w");
  auto [m5, n5] = run([] { return std::make_unique<tr::RMSPropOptimizer>(0.1); }, seven);
  CHECK(m5 == "Index 7 at offset 1 in indices is out of range");
  CHECK(n5 == "RMSProp/update_w");
}

TEST_CASE("an empty batch changes nothing") {
  std::mt19937 rng(19);
  model<double> m([] { return std::make_unique<sl::train::AdagradOptimizer>(0.1); }, false, random_matrix<double>(rows, rng));
  const auto before = m.state();
  m.step(xt::xtensor<std::int64_t, 1>::from_shape({0}), xt::xtensor<double, 2>::from_shape({0, dim}));
  const auto after = m.state();
  for (std::size_t k = 0; k < after.size(); ++k) CHECK(after[k] == before[k]);
}

TEST_CASE("embedding_lookup_sparse's gradient is rows too: sparse equals dense, the dense node does not run") {
  // Rows 1 and 5 are looked up twice, every row at least once, so Momentum's
  // and RMSProp's dense updates touch no row the sparse ones leave alone.
  const sl::SparseTensorValue<std::int64_t, 2> iv{
      {{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {2, 0}, {2, 1}, {2, 2}}, {0, 1, 5, 2, 3, 4, 1, 5}, {3, 3}};
  const sl::SparseTensorValue<double, 2> wv{
      {{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {2, 0}, {2, 1}, {2, 2}}, {0.5, 2.0, 1.0, -0.3, 1.5, 0.7, 1.1, 0.2}, {3, 3}};
  struct lookup {
    sl::Graph g;
    sl::Variable<double, shape<rows, dim>> w;
    sl::SparseTensor<std::int64_t, shape<sl::dyn, sl::dyn>> ids =
        sl::sparse_placeholder<std::int64_t, shape<sl::dyn, sl::dyn>>(g, "ids");
    sl::SparseTensor<double, shape<sl::dyn, sl::dyn>> weights =
        sl::sparse_placeholder<double, shape<sl::dyn, sl::dyn>>(g, "weights");
    sl::Tensor<double, shape<sl::dyn, dim>> c = sl::placeholder<double, shape<sl::dyn, dim>>(g, "c");
    std::unique_ptr<sl::train::Optimizer> opt;
    sl::Operation train;
    sl::Session sess{g};
    lookup(const make_optimizer& make, bool dense, const xt::xtensor<double, 2>& w0, const std::string& combiner)
        : w(g, w0, "w"), opt(make()) {
      auto loss = sl::reduce_sum(sl::nn::embedding_lookup_sparse(w, ids, weights, combiner) * c);
      auto grads = opt->compute_gradients(loss);
      if (dense) grads[0] = sl::train::grad_and_var::of(sl::identity(grads[0].gradient<double, shape<rows, dim>>()), w);
      train = opt->apply_gradients(grads);
      sess.run(sl::global_variables_initializer(g));
    }
  };
  for (const auto& o : optimizers()) {
    for (const char* combiner : {"sum", "mean", "sqrtn"}) {
      CAPTURE(o.name);
      CAPTURE(combiner);
      std::mt19937 rng(23);
      const xt::xtensor<double, 2> w0 = random_matrix<double>(rows, rng);
      lookup sparse(o.make, false, w0, combiner), dense(o.make, true, w0, combiner);
      for (int step = 1; step <= 3; ++step) {
        const xt::xtensor<double, 2> cv = random_matrix<double>(3, rng);
        sl::RunOptions opts;
        opts.trace_level = sl::RunOptions::TraceLevel::full_trace;
        sl::RunMetadata md;
        sparse.sess.run(sparse.train, {{sparse.ids, iv}, {sparse.weights, wv}, {sparse.c, cv}}, opts, &md);
        dense.sess.run(dense.train, {{dense.ids, iv}, {dense.weights, wv}, {dense.c, cv}});
        std::set<std::string> ops;
        for (const auto& st : md.step_stats) ops.insert(st.op);
        CHECK(ops.count("EmbeddingLookupSparseGrad") == 0);
        CHECK(ops.count("EmbeddingLookupSparseGradRows") == 1);
        CHECK(ops.count(o.sparse_op) == 1);
        check_close<double>(sparse.sess.run(sparse.w), dense.sess.run(dense.w), "var");
      }
    }
  }
}

TEST_CASE("rows of a rank-3 variable, looked up by a matrix of int32 ids") {
  for (const auto& o : optimizers()) {
    CAPTURE(o.name);
    std::mt19937 rng(29);
    xt::xtensor<double, 3> w0 = xt::xtensor<double, 3>::from_shape({5, 2, 2});
    std::uniform_real_distribution<double> d(-1.0, 1.0);
    for (auto& v : w0) v = d(rng);
    struct cube {
      sl::Graph g;
      sl::Variable<double, shape<5, 2, 2>> w;
      sl::Tensor<std::int32_t, shape<2, 3>> ids = sl::placeholder<std::int32_t, shape<2, 3>>(g, "ids");
      std::unique_ptr<sl::train::Optimizer> opt;
      sl::Operation train;
      sl::Session sess{g};
      cube(const make_optimizer& make, bool dense, const xt::xtensor<double, 3>& w0) : w(g, w0, "w"), opt(make()) {
        auto looked = sl::gather(w, ids);  // (2, 3, 2, 2)
        auto loss = sl::reduce_sum(sl::square(looked));
        auto grads = opt->compute_gradients(loss);
        if (dense) grads[0] = sl::train::grad_and_var::of(sl::identity(grads[0].gradient<double, shape<5, 2, 2>>()), w);
        train = opt->apply_gradients(grads);
        sess.run(sl::global_variables_initializer(g));
      }
    };
    cube sparse(o.make, false, w0), dense(o.make, true, w0);
    const xt::xtensor<std::int32_t, 2> ids{{0, 4, 4}, {2, 1, 3}};  // every row, 4 twice
    for (int step = 1; step <= 3; ++step) {
      sparse.sess.run(sparse.train, {{sparse.ids, ids}});
      dense.sess.run(dense.train, {{dense.ids, ids}});
      const xt::xtensor<double, 3> s = sparse.sess.run(sparse.w), dv = dense.sess.run(dense.w);
      for (std::size_t i = 0; i < s.size(); ++i) CHECK(s.data()[i] == doctest::Approx(dv.data()[i]).epsilon(1e-12));
    }
  }
}

namespace {
// An optimizer of the user's own: only the dense update, so a gradient that is
// rows reaches it through Optimizer::apply_sparse's default, densely.
class PlainSGD : public sl::train::Optimizer {
 public:
  PlainSGD() : Optimizer("PlainSGD", 0.5, {}) {}

 protected:
  sl::node_id apply_dense(sl::Graph& g, sl::output_ref grad, const sl::any_variable& var,
                          const std::vector<sl::any_variable>&, const std::vector<sl::output_ref>& all_grads) override {
    return update_op(g, "ApplyGradientDescent", grad, var, {}, sl::kernels::apply_gradient_descent_kernel<float>,
                     all_grads);
  }
};
}  // namespace

TEST_CASE("an optimizer without a sparse update applies the rows densely") {
  sl::Graph g;
  sl::Variable<float, shape<4, 2>> w(g, xt::xtensor<float, 2>{{1, 2}, {3, 4}, {5, 6}, {7, 8}}, "w");
  auto ids = sl::placeholder<std::int64_t, shape<sl::dyn>>(g, "ids");
  PlainSGD opt;
  auto train = opt.minimize(sl::reduce_sum(sl::nn::embedding_lookup(w, ids)));
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  sl::RunOptions o;
  o.trace_level = sl::RunOptions::TraceLevel::full_trace;
  sl::RunMetadata md;
  sess.run(train, {{ids, xt::xtensor<std::int64_t, 1>{2, 0, 2}}}, o, &md);
  std::set<std::string> ops;
  for (const auto& st : md.step_stats) ops.insert(st.op);
  CHECK(ops.count("GatherGrad") == 1);
  CHECK(ops.count("ApplyGradientDescent") == 1);
  const xt::xtensor<float, 2> want{{0.5f, 1.5f}, {3, 4}, {4, 5}, {7, 8}};
  CHECK(sess.run(w) == want);
}

TEST_CASE("GradientDescent: an embedding's sparse update beside a dense layer's folded one") {
  std::mt19937 rng(31);
  const xt::xtensor<float, 2> e0 = random_matrix<float>(rows, rng);
  xt::xtensor<float, 2> w0 = xt::xtensor<float, 2>::from_shape({dim, 2});
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  for (auto& v : w0) v = d(rng);
  struct net {
    sl::Graph g;
    sl::Variable<float, shape<rows, dim>> emb;
    sl::Variable<float, shape<dim, 2>> w;
    sl::Tensor<std::int64_t, shape<sl::dyn>> ids = sl::placeholder<std::int64_t, shape<sl::dyn>>(g, "ids");
    sl::Operation train;
    sl::Session sess{g};
    net(const xt::xtensor<float, 2>& e0, const xt::xtensor<float, 2>& w0, bool dense) : emb(g, e0, "emb"), w(g, w0, "w") {
      auto loss = sl::reduce_sum(sl::square(sl::matmul(sl::nn::embedding_lookup(emb, ids), w)));
      sl::train::GradientDescentOptimizer opt(0.1);
      auto grads = opt.compute_gradients(loss);
      if (dense) grads[0] = sl::train::grad_and_var::of(sl::identity(grads[0].gradient<float, shape<rows, dim>>()), emb);
      train = opt.apply_gradients(grads);
      sess.run(sl::global_variables_initializer(g));
    }
  };
  net sparse(e0, w0, false), dense(e0, w0, true);
  const xt::xtensor<std::int64_t, 1> ids{3, 0, 3, 5};
  sl::RunOptions o;
  o.trace_level = sl::RunOptions::TraceLevel::full_trace;
  sl::RunMetadata md;
  sparse.sess.run(sparse.train, {{sparse.ids, ids}}, o, &md);
  dense.sess.run(dense.train, {{dense.ids, ids}});
  std::map<std::string, int> ops;
  for (const auto& st : md.step_stats) ++ops[st.op];
  CHECK(ops["SparseApplyGradientDescent"] == 1);
  CHECK(ops["MatMulApplyGradientDescent"] == 1);  // w's gradient folded into its update, as without the embedding
  CHECK(ops["GatherGrad"] == 0);
  CHECK(ops["MatMul"] == 2);  // the forward product and the lookup's gradient; not w's gradient
  check_close<float>(sparse.sess.run(sparse.emb), dense.sess.run(dense.emb), "emb");
  check_close<float>(sparse.sess.run(sparse.w), dense.sess.run(dense.w), "w");
}

TEST_CASE("sparse updates from two threads at once: each row's update is atomic") {
  // lr 0.5 and a gradient of 1 per lookup: every update is exact in float, so
  // the result does not depend on the order the threads' steps interleave.
  for (const char* name : {"GradientDescent", "Adagrad"}) {
    CAPTURE(name);
    model<float> m(std::string(name) == "Adagrad" ? make_optimizer([] { return std::make_unique<sl::train::AdagradOptimizer>(0.5, 1.0); })
                                                  : make_optimizer([] { return std::make_unique<sl::train::GradientDescentOptimizer>(0.5); }),
                   false, xt::zeros<float>({rows, dim}));
    const xt::xtensor<std::int64_t, 1> ids{1, 4, 1};
    const xt::xtensor<float, 2> cv = xt::ones<float>({std::size_t{3}, dim});
    constexpr int steps = 200;
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t)
      threads.emplace_back([&] {
        for (int k = 0; k < steps; ++k) m.step(ids, cv);
      });
    for (auto& t : threads) t.join();
    const xt::xtensor<float, 2> w = m.value();
    if (std::string(name) == "GradientDescent") {
      CHECK(w(1, 0) == -0.5f * 2 * 2 * steps);  // looked up twice per step
      CHECK(w(4, 2) == -0.5f * 2 * steps);
    } else {
      const auto accum = m.sess.run(m.opt->get_slot(m.w, "accumulator")->name()).template as<float, 2>();
      CHECK(accum(1, 0) == 1.0f + 4.0f * 2 * steps);  // (1 + 1)^2 per step
      CHECK(accum(4, 2) == 1.0f + 1.0f * 2 * steps);
    }
    CHECK(w(0, 0) == 0.f);
  }
}

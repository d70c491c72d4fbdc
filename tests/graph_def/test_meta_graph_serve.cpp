// Serving without the model's code: a model trained a few steps, exported
// with its Saver and signature, imported into a fresh Graph and Session,
// restored, and run: its outputs equal the trainer's bit for bit.
#include <cstring>

#include <doctest/doctest.h>

#include <sessionlib/graph_def/meta_graph_import.hpp>

#include "meta_graph_fixture.hpp"

using namespace meta_graph_test;

namespace {

/// `a` and `b` hold the same bytes (NaNs and signed zeros included).
template <class A, class B>
bool same_bits(const A& a, const B& b) {
  using T = typename A::value_type;
  static_assert(std::is_same_v<T, typename B::value_type>);
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

/// What the trainer leaves: its checkpoint and MetaGraph in `dir`, and its outputs for `xs`.
struct trained {
  xt::xtensor<float, 2> probabilities;
  xt::xtensor<std::int64_t, 1> classes;
};

trained train_and_export(const std::filesystem::path& dir, const xt::xtensor<float, 2>& xs, bool as_text) {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 4>>(g, "x");
  auto y = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "y");
  sl::Variable<float, sl::shape<4, 8>> w1(g, sl::init::glorot_uniform<float>(3), "dense1/w");
  sl::Variable<float, sl::shape<8>> b1(g, sl::init::zeros<float>(), "dense1/b");
  sl::Variable<float, sl::shape<8, 3>> w2(g, sl::init::glorot_uniform<float>(4), "dense2/w");
  sl::Variable<float, sl::shape<3>> b2(g, sl::init::zeros<float>(), "dense2/b");
  auto logits = sl::matmul(sl::nn::relu(sl::matmul(x, w1) + b1), w2) + b2;
  auto probabilities = sl::nn::softmax(logits);
  auto classes = sl::argmax<1>(logits);
  auto loss = sl::reduce_mean(sl::nn::sparse_softmax_cross_entropy_with_logits(y, logits));
  auto step = sl::train::create_global_step(g);
  auto train = sl::train::GradientDescentOptimizer(0.5f).minimize(loss, step);
  sl::train::Saver saver(g);

  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  const xt::xtensor<std::int64_t, 1> ys = {0, 1, 2, 1, 0, 2};
  for (int i = 0; i < 5; ++i) sess.run(train, {{x, xs}, {y, ys}});
  saver.save(sess, (dir / "model.ckpt").string(), step);
  sl::train::export_meta_graph(
      g, saver, dir / (as_text ? "model.pbtxt" : "model.meta"),
      {{"serving_default", {.inputs = {{"images", x}}, .outputs = {{"probabilities", probabilities}, {"classes", classes}}}}});
  return {sess.run(probabilities, {{x, xs}}), sess.run(classes, {{x, xs}})};
}

}  // namespace

TEST_CASE("import_meta_graph: a fresh graph restores and serves the trainer's exact outputs") {
  const xt::xtensor<float, 2> xs = {{0.1f, 0.2f, -0.3f, 0.4f}, {1.f, -1.f, 0.5f, 0.f},   {0.3f, 0.3f, 0.3f, 0.3f},
                                    {-2.f, 1.f, 0.f, 1.5f},   {0.7f, 0.1f, -0.9f, 0.2f}, {0.f, 0.f, 1.f, -1.f}};
  for (const bool as_text : {false, true}) {
    CAPTURE(as_text);
    sessionlib_test::temp_dir dir("sl_serve");
    const trained expected = train_and_export(dir.path, xs, as_text);

    sl::Graph g;  // no model code from here on: import, restore, run
    auto meta = sl::train::import_meta_graph(g, dir.path / (as_text ? "model.pbtxt" : "model.meta"));
    REQUIRE(meta.saver);
    sl::Session sess(g);
    meta.saver->restore(sess, *sl::train::latest_checkpoint(dir.path));
    const auto& sig = meta.signature();
    CHECK(sig.method_name() == "tensorflow/serving/predict");
    auto x = sig.input<float, sl::shape<sl::dyn, 4>>("images");
    auto probabilities = sig.output<float, sl::shape<sl::dyn, 3>>("probabilities");
    auto classes = sig.output<std::int64_t, sl::shape<sl::dyn>>("classes");
    const xt::xtensor<float, 2> p = sess.run(probabilities, {{x, xs}});
    const xt::xtensor<std::int64_t, 1> c = sess.run(classes, {{x, xs}});
    CHECK(same_bits(p, expected.probabilities));
    CHECK(same_bits(c, expected.classes));

    // The Saver restored every variable the trainer's saved, the global step included.
    CHECK(meta.saver->variable_indices().size() == g.variable_count());
    // Collections come back, by the destination's names, also in the graph's own.
    REQUIRE(sl::train::get_global_step(g));
    CHECK(sess.run(*sl::train::get_global_step(g)) == 5);
    CHECK(meta.collections.at("saver_variables").get_if<sl::CollectionDef::NodeList>()->value.size() == g.variable_count());
    CHECK(sl::trainable_variables(g).size() == 4);
    CHECK(g.collection("global_step").size() == 1);
  }
}

TEST_CASE("import_meta_graph: signatures are checked when looked up") {
  sessionlib_test::temp_dir dir("sl_serve");
  const xt::xtensor<float, 2> xs = xt::zeros<float>({6, 4});
  train_and_export(dir.path, xs, false);
  sl::Graph g;
  const auto meta = sl::train::import_meta_graph(g, dir.path / "model.meta");
  const auto& sig = meta.signature("serving_default");
  CHECK_THROWS_WITH_AS((sig.input<float, sl::shape<sl::dyn, 4>>("x")),
                       "Signature 'serving_default' has no input 'x' (its inputs: images)", sl::not_found);
  CHECK_THROWS_AS((sig.input<double, sl::shape<sl::dyn, 4>>("images")), sl::invalid_argument);  // dtype
  CHECK_THROWS_AS((sig.output<float, sl::shape<sl::dyn, 10>>("probabilities")), sl::invalid_argument);  // shape
  CHECK_THROWS_WITH_AS(meta.signature("predict"), "The MetaGraphDef has no signature 'predict' (its signatures: serving_default)",
                       sl::not_found);
  CHECK(sig.input_info("images").dtype == sl::DataType::DT_FLOAT);
  sl::train::Saver s = meta;  // as TF's `saver = tf.train.import_meta_graph(path)`
  CHECK(s.variable_indices().size() == g.variable_count());
}

TEST_CASE("import_meta_graph: without a saver_def there is no Saver") {
  sessionlib_test::temp_dir dir("sl_serve");
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn>>(g, "x");
  auto y = x * 2.f;
  sl::train::export_meta_graph(g, dir.path / "m.meta", {{"double", {.inputs = {{"x", x}}, .outputs = {{"y", y}}}}});
  sl::Graph g2;
  const auto meta = sl::train::import_meta_graph(g2, dir.path / "m.meta");
  CHECK_FALSE(meta.saver);
  CHECK_THROWS_AS(static_cast<void>(sl::train::Saver(meta)), sl::not_found);
  sl::Session sess(g2);
  const auto& sig = meta.signature("double");
  const xt::xtensor<float, 1> out = sess.run(sig.output<float, sl::shape<sl::dyn>>("y"),
                                             {{sig.input<float, sl::shape<sl::dyn>>("x"), xt::xtensor<float, 1>{1.f, 2.5f}}});
  CHECK(out == xt::xtensor<float, 1>{2.f, 5.f});
}

TEST_CASE("import_meta_graph: an import_scope prefixes every name the result gives") {
  sessionlib_test::temp_dir dir("sl_serve");
  const xt::xtensor<float, 2> xs = xt::ones<float>({6, 4});
  const trained expected = train_and_export(dir.path, xs, false);
  sl::Graph g;
  auto meta = sl::train::import_meta_graph(g, dir.path / "model.meta", {.import_scope = "served"});
  const auto& sig = meta.signature();
  CHECK(sig.input_info("images").name == "served/x:0");
  CHECK(meta.collections.at("saver_variables").get_if<sl::CollectionDef::NodeList>()->value.front() == "served/dense1/w:0");
  // The Saver restores by the destination's names: the trainer's checkpoint has them unscoped.
  sl::Session sess(g);
  CHECK_THROWS_WITH_AS(meta.saver->restore(sess, *sl::train::latest_checkpoint(dir.path)),
                       doctest::Contains("Key served/dense1/w not found in checkpoint"), sl::not_found);
  // Initialised instead, the scoped graph runs.
  sess.run(sl::global_variables_initializer(g));
  const xt::xtensor<float, 2> p = sess.run(sig.output<float, sl::shape<sl::dyn, 3>>("probabilities"),
                                           {{sig.input<float, sl::shape<sl::dyn, 4>>("images"), xs}});
  CHECK(p.shape() == expected.probabilities.shape());
}

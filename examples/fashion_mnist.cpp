// The flagship example: Fashion-MNIST with a 784-256-10 MLP, as a TF 1.x user
// writes it. Build the graph once; train with Adam through a callable; report
// the test accuracy; save a checkpoint; restore it into a NEW session and
// predict a few test images. With the GraphDef part (libprotobuf), it also
// exports the model for serving: DIR/model.meta beside the checkpoint, and its
// own predictions for the first test images in DIR/predictions.npy, which
// examples/serve.cpp -- a program without the model's code -- reproduces.
//
//   apt-get install dataset-fashion-mnist     # the data, from Debian
//   ./fashion_mnist [DATA_DIR] [--epochs N] [--out DIR]    # 10 epochs: test accuracy 0.8866
//   ./serve DIR [DATA_DIR]                                  # the exported model, served
#include "mnist_common.hpp"

#ifdef EXAMPLES_GRAPHDEF  // set by examples/meson.build when the GraphDef part is available
#include <sessionlib/graph_def/meta_graph_export.hpp>
#include <xtensor/xnpy.hpp>
#endif

namespace sl = sessionlib;

int main(int argc, char** argv) {
  const auto args = example::parse(argc, argv, {});
  if (!args.opts) return args.status;  // after --help (0) or a usage error (2)
  const auto& opts = args.opts;
  const auto data = example::load(*opts);
  if (!data) return 77;  // the data is missing (77: "skipped" to test runners)
  std::printf("Fashion-MNIST: %zu training and %zu test images from %s\n", data->train_x.shape(0), data->test_x.shape(0),
              opts->data_dir.c_str());

  // The graph: every handle's dtype and shape are in its C++ type.
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 784>>(g, "x");
  auto y = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "y");
  sl::Variable<float, sl::shape<784, 256>> w1(g, sl::init::glorot_uniform<float>(1), "dense1/w");
  sl::Variable<float, sl::shape<256>> b1(g, sl::init::zeros<float>(), "dense1/b");
  sl::Variable<float, sl::shape<256, 10>> w2(g, sl::init::glorot_uniform<float>(2), "dense2/w");
  sl::Variable<float, sl::shape<10>> b2(g, sl::init::zeros<float>(), "dense2/b");
  auto hidden = sl::nn::relu(sl::matmul(x, w1) + b1);  // Tensor<float, shape<dyn, 256>>
  auto logits = sl::matmul(hidden, w2) + b2;            // Tensor<float, shape<dyn, 10>>
  auto loss = sl::reduce_mean(sl::nn::sparse_softmax_cross_entropy_with_logits(y, logits));
  auto probabilities = sl::nn::softmax(logits);
  auto predicted = sl::argmax<1>(logits);  // Tensor<std::int64_t, shape<dyn>>
  auto global_step = sl::train::create_global_step(g);
  auto train = sl::train::AdamOptimizer(1e-3f).minimize(loss, global_step);
  sl::train::Saver saver(g);  // every variable: the weights, Adam's slots, the global step

  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  // A prepared step: no plan lookup per batch, values fed in place.
  auto step = sess.make_callable(std::tuple{train, loss}, sl::feed_list(x, y));

  constexpr std::size_t batch_size = 64;
  example::batcher batches(*data, batch_size, 42);
  example::progress bar(opts->epochs, batches.batches());
  auto xb = xt::xtensor<float, 2>::from_shape({batch_size, 784});
  auto yb = xt::xtensor<std::int64_t, 1>::from_shape({batch_size});
  const auto t0 = std::chrono::steady_clock::now();
  for (int epoch = 1; epoch <= opts->epochs; ++epoch) {
    batches.shuffle();
    bar.start_epoch(epoch);
    for (std::size_t b = 0; b < batches.batches(); ++b) {
      batches.fill(b, xb, yb);
      auto [_, l] = step(xb, yb);
      bar.update(b, yb.size(), l);
    }
    if (epoch < opts->epochs) {  // as Keras' validation line
      const xt::xtensor<std::int64_t, 1> p = sess.run(predicted, {{x, data->test_x}});
      std::printf("epoch %d: test accuracy %.4f\n", epoch, example::accuracy(p, data->test_y));
      std::fflush(stdout);
    }
  }
  const double train_seconds = example::seconds_since(t0);

  const xt::xtensor<std::int64_t, 1> test_pred = sess.run(predicted, {{x, data->test_x}});
  const double acc = example::accuracy(test_pred, data->test_y);
  std::printf("test accuracy: %.4f after %d epochs (%lld steps) in %.1f s\n", acc, opts->epochs,
              static_cast<long long>(sess.run(global_step)), train_seconds);

  // Save, then restore into a new session: restoring is its initialisation.
  const std::string path = saver.save(sess, (opts->out_dir / "model.ckpt").string(), global_step);
  std::printf("saved checkpoint %s\n", path.c_str());
  sl::Session fresh(g);
  saver.restore(fresh, *sl::train::latest_checkpoint(opts->out_dir));
  const auto first = example::first_rows(data->test_x, 8);
  const xt::xtensor<float, 2> probs = fresh.run(probabilities, {{x, first}});
  std::printf("predictions of the restored model:\n");
  example::print_predictions(probs, data->test_y, 8);
#ifdef EXAMPLES_GRAPHDEF
  // Export for serving: the graph, the Saver's variables and a signature (TF's
  // "serving_default"), and the predictions a server must reproduce exactly.
  sl::train::export_meta_graph(g, saver, opts->out_dir / "model.meta",
                               {{"serving_default", {.inputs = {{"images", x}},
                                                     .outputs = {{"probabilities", probabilities}, {"classes", predicted}}}}});
  const xt::xtensor<float, 2> served = sess.run(probabilities, {{x, example::first_rows(data->test_x, example::served_images)}});
  xt::dump_npy((opts->out_dir / "predictions.npy").string(), served);
  std::printf("exported %s for serving (./serve %s)\n", (opts->out_dir / "model.meta").c_str(), opts->out_dir.c_str());
#endif
  const xt::xtensor<std::int64_t, 1> again = fresh.run(predicted, {{x, data->test_x}});
  if (example::accuracy(again, data->test_y) != acc) {
    std::fprintf(stderr, "error: the restored model's accuracy differs from the trained one's\n");
    return 1;
  }
  if (acc < opts->min_accuracy) {
    std::fprintf(stderr, "error: test accuracy %.4f is below --min-accuracy %.4f\n", acc, opts->min_accuracy);
    return 1;
  }
  return 0;
}

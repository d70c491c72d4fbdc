// Serving the model fashion_mnist trained, in a program that has none of its
// code: no layer, no op is built here. The graph comes from the MetaGraph the
// trainer exported (DIR/model.meta), the weights from its checkpoint, and the
// tensors to feed and fetch from the "serving_default" signature -- TF's
// tf.train.import_meta_graph + Saver.restore + sess.run.
//
//   ./fashion_mnist --out DIR       # trains, saves DIR/model.ckpt-N, exports DIR/model.meta
//   ./serve DIR [DATA_DIR]          # predicts test images with the exported model
//
// When DIR/predictions.npy (the trainer's probabilities for the first test
// images) exists, serve checks that its own are the same, bit for bit, and
// exits with status 1 if any differs.
#include <cstring>
#include <filesystem>
#include <iostream>

#include <sessionlib/data/idx.hpp>
#include <sessionlib/graph_def/meta_graph_import.hpp>
#include <sessionlib/session/session.hpp>
#include <xtensor/xnpy.hpp>

#include "mnist_common.hpp"

namespace sl = sessionlib;

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3 || std::string_view(argv[1]).starts_with("-")) {
    std::cerr << "usage: " << argv[0] << " MODEL_DIR [DATA_DIR]\n"
              << "  MODEL_DIR  what fashion_mnist --out MODEL_DIR wrote: model.meta and a checkpoint\n"
              << "  DATA_DIR   Fashion-MNIST's IDX files (default " << sl::data::fashion_mnist_dir.string() << ")\n";
    return 2;
  }
  const std::filesystem::path model_dir = argv[1];
  const std::filesystem::path data_dir = argc == 3 ? argv[2] : sl::data::fashion_mnist_dir;

  xt::xtensor<float, 2> images;
  xt::xtensor<std::int64_t, 1> labels;
  try {
    const auto raw = sl::data::load_mnist(data_dir);
    images = example::scale(raw.test_images, 0);
    labels = example::widen(raw.test_labels, 0);
  } catch (const sl::error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 77;  // the data is missing (77: "skipped" to test runners)
  }

  try {
    // The model: graph and signature from the MetaGraph, weights from the newest checkpoint.
    sl::Graph g;
    auto model = sl::train::import_meta_graph(g, model_dir / "model.meta");
    const auto checkpoint = sl::train::latest_checkpoint(model_dir);
    if (!checkpoint || !model.saver) {
      std::cerr << "error: " << model_dir.string() << " holds no checkpoint to restore\n";
      return 1;
    }
    sl::Session sess(g);
    model.saver->restore(sess, *checkpoint);
    const auto& signature = model.signature("serving_default");
    auto x = signature.input<float, sl::shape<sl::dyn, 784>>("images");  // dtype and shape checked here
    auto probabilities = signature.output<float, sl::shape<sl::dyn, 10>>("probabilities");
    auto classes = signature.output<std::int64_t, sl::shape<sl::dyn>>("classes");
    std::printf("serving %s (%zu nodes) restored from %s\n", (model_dir / "model.meta").c_str(), g.size(), checkpoint->c_str());

    const auto first = example::first_rows(images, example::served_images);
    const xt::xtensor<float, 2> probs = sess.run(probabilities, {{x, first}});
    std::printf("predictions of the served model:\n");
    example::print_predictions(probs, labels, 8);
    const xt::xtensor<std::int64_t, 1> predicted = sess.run(classes, {{x, images}});
    std::printf("test accuracy of the served model: %.4f\n", example::accuracy(predicted, labels));

    const auto expected_path = model_dir / "predictions.npy";
    if (std::filesystem::exists(expected_path)) {
      const auto expected = xt::load_npy<float>(expected_path.string());
      const bool same = expected.dimension() == 2 && expected.shape(0) == probs.shape(0) && expected.shape(1) == probs.shape(1) &&
                        std::memcmp(expected.data(), probs.data(), probs.size() * sizeof(float)) == 0;
      if (!same) {
        std::cerr << "error: the served predictions differ from the trainer's (" << expected_path.string() << ")\n";
        return 1;
      }
      std::printf("the served probabilities of %zu test images equal the trainer's bit for bit\n", probs.shape(0));
    }
  } catch (const sl::error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

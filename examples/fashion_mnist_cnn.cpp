// A small CNN on Fashion-MNIST: conv2d 5x5x32 (SAME) + ReLU, max_pool 2x2,
// then a dense layer to the 10 classes; Adam, batch 64. One epoch by default,
// which is enough to pass the MLP's accuracy on two cores in a few minutes.
//
//   ./fashion_mnist_cnn [DATA_DIR] [--epochs N] [--train-limit N] [--out DIR]
#include "mnist_common.hpp"

namespace sl = sessionlib;

int main(int argc, char** argv) {
  example::options defaults;
  defaults.epochs = 1;
  defaults.out_dir = std::filesystem::temp_directory_path() / "sessionlib_fashion_mnist_cnn";
  const auto args = example::parse(argc, argv, defaults);
  if (!args.opts) return args.status;  // after --help (0) or a usage error (2)
  const auto& opts = args.opts;
  const auto data = example::load(*opts);
  if (!data) return 77;  // the data is missing (77: "skipped" to test runners)
  std::printf("Fashion-MNIST: %zu training and %zu test images\n", data->train_x.shape(0), data->test_x.shape(0));

  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 784>>(g, "x");
  auto y = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "y");
  auto images = sl::reshape<sl::shape<sl::dyn, 28, 28, 1>>(x);  // NHWC
  sl::Variable<float, sl::shape<5, 5, 1, 32>> kernel(g, sl::init::truncated_normal<float>(0.f, 0.1f, 1), "conv/kernel");
  sl::Variable<float, sl::shape<32>> kernel_bias(g, sl::init::zeros<float>(), "conv/bias");
  auto conv = sl::nn::relu(sl::nn::bias_add(sl::nn::conv2d(images, kernel, sl::nn::SAME), kernel_bias));  // (?, 28, 28, 32)
  auto pooled = sl::nn::max_pool<2>(conv, sl::nn::VALID);                                                  // (?, 14, 14, 32)
  auto flat = sl::reshape<sl::shape<sl::dyn, 14 * 14 * 32>>(pooled);
  sl::Variable<float, sl::shape<14 * 14 * 32, 10>> w(g, sl::init::glorot_uniform<float>(2), "dense/w");
  sl::Variable<float, sl::shape<10>> b(g, sl::init::zeros<float>(), "dense/b");
  auto logits = sl::matmul(flat, w) + b;
  auto loss = sl::reduce_mean(sl::nn::sparse_softmax_cross_entropy_with_logits(y, logits));
  auto probabilities = sl::nn::softmax(logits);
  auto predicted = sl::argmax<1>(logits);
  auto global_step = sl::train::create_global_step(g);
  auto train = sl::train::AdamOptimizer(1e-3f).minimize(loss, global_step);
  sl::train::Saver saver(g);

  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
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
    for (std::size_t i = 0; i < batches.batches(); ++i) {
      batches.fill(i, xb, yb);
      auto [_, l] = step(xb, yb);
      bar.update(i, yb.size(), l);
    }
  }
  const double train_seconds = example::seconds_since(t0);

  // Evaluate in chunks: the conv activations of 10000 images at once would take 1 GB.
  auto test_pred = xt::xtensor<std::int64_t, 1>::from_shape({data->test_y.size()});
  constexpr std::size_t chunk = 1000;
  for (std::size_t from = 0; from < data->test_y.size(); from += chunk) {
    const std::size_t n = std::min(chunk, data->test_y.size() - from);
    auto xs = xt::xtensor<float, 2>::from_shape({n, 784});
    std::copy_n(data->test_x.data() + from * 784, n * 784, xs.data());
    const xt::xtensor<std::int64_t, 1> p = sess.run(predicted, {{x, xs}});
    std::copy(p.begin(), p.end(), test_pred.begin() + static_cast<std::ptrdiff_t>(from));
  }
  const double acc = example::accuracy(test_pred, data->test_y);
  return example::finish(g, sess, saver, global_step, x, probabilities, *data, *opts, "cnn.ckpt", acc, train_seconds);
}

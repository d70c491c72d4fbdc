// An LSTM on Fashion-MNIST: each image read as a sequence of its 28 rows of 28
// pixels by a BasicLSTMCell of 128 units (sl::nn::static_rnn, the cell unrolled
// over the 28 steps), the last output through a dense layer to the 10 classes;
// Adam (1e-3), batch 64, as TF 1.x's classic LSTM-on-MNIST tutorial writes it.
//
//   ./lstm_fashion_mnist [DATA_DIR] [--epochs N] [--train-limit N] [--out DIR] [--min-accuracy A]
#include "mnist_common.hpp"

namespace sl = sessionlib;

namespace {
constexpr std::ptrdiff_t rows = 28, width = 28, units = 128;
constexpr std::size_t batch_size = 64;

/// The predicted classes of the test set, in chunks of 1000 images.
template <class X, class P>
xt::xtensor<std::int64_t, 1> predict(sl::Session& sess, const X& x, const P& predicted, const xt::xtensor<float, 2>& images) {
  auto out = xt::xtensor<std::int64_t, 1>::from_shape({images.shape(0)});
  constexpr std::size_t chunk = 1000;
  for (std::size_t from = 0; from < images.shape(0); from += chunk) {
    const std::size_t n = std::min(chunk, images.shape(0) - from);
    auto xs = xt::xtensor<float, 2>::from_shape({n, images.shape(1)});
    std::copy_n(images.data() + from * images.shape(1), n * images.shape(1), xs.data());
    const xt::xtensor<std::int64_t, 1> p = sess.run(predicted, {{x, xs}});
    std::copy(p.begin(), p.end(), out.begin() + static_cast<std::ptrdiff_t>(from));
  }
  return out;
}
}  // namespace

int main(int argc, char** argv) try {
  example::options defaults;
  defaults.epochs = 3;
  defaults.out_dir = std::filesystem::temp_directory_path() / "sessionlib_lstm_fashion_mnist";
  const auto args = example::parse(argc, argv, defaults);
  if (!args.opts) return args.status;  // after --help (0) or a usage error (2)
  const auto& opts = args.opts;
  const auto data = example::load(*opts);
  if (!data) return 77;  // the data is missing (77: "skipped" to test runners)
  std::printf("Fashion-MNIST: %zu training and %zu test images, read as %td rows of %td pixels\n", data->train_x.shape(0),
              data->test_x.shape(0), rows, width);

  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, rows * width>>(g, "x");
  auto y = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "y");
  auto sequences = sl::reshape<sl::shape<sl::dyn, rows, width>>(x);  // [batch, time, width]
  sl::nn::rnn_cell::BasicLSTMCell<units, width> cell(g, {.seed = 1});  // rnn/basic_lstm_cell/kernel, .../bias
  // outputs: 28 Tensor<float, shape<dyn, 128>>; state: LSTMStateTuple{c, h}
  const auto [outputs, state] = sl::nn::static_rnn(cell, sl::unstack<1>(sequences));
  sl::Variable<float, sl::shape<units, 10>> w(g, sl::init::glorot_uniform<float>(2), "dense/w");
  sl::Variable<float, sl::shape<10>> b(g, sl::init::zeros<float>(), "dense/b");
  auto logits = sl::matmul(state.h, w) + b;  // the last output: Tensor<float, shape<dyn, 10>>
  auto loss = sl::reduce_mean(sl::nn::sparse_softmax_cross_entropy_with_logits(y, logits));
  auto probabilities = sl::nn::softmax(logits);
  auto predicted = sl::argmax<1>(logits);
  auto global_step = sl::train::create_global_step(g);
  auto train = sl::train::AdamOptimizer(1e-3f).minimize(loss, global_step);
  sl::train::Saver saver(g);

  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  auto step = sess.make_callable(std::tuple{train, loss}, sl::feed_list(x, y));

  example::batcher batches(*data, batch_size, 42);
  example::progress bar(opts->epochs, batches.batches());
  auto xb = xt::xtensor<float, 2>::from_shape({batch_size, rows * width});
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
    if (epoch < opts->epochs) {  // as Keras' validation line
      std::printf("epoch %d: test accuracy %.4f\n", epoch, example::accuracy(predict(sess, x, predicted, data->test_x), data->test_y));
      std::fflush(stdout);
    }
  }
  const double train_seconds = example::seconds_since(t0);
  const double acc = example::accuracy(predict(sess, x, predicted, data->test_x), data->test_y);
  return example::finish(g, sess, saver, global_step, x, probabilities, *data, *opts, "lstm.ckpt", acc, train_seconds);
} catch (const sl::error& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}

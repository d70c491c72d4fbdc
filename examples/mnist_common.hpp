// What the Fashion-MNIST examples share: command-line flags, loading and
// scaling the data, shuffled batches, the progress bar, the predictions, and how
// the CNN and LSTM examples end (finish).
#pragma once

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include <unistd.h>

#include <sessionlib/sessionlib.hpp>

namespace example {

namespace sl = sessionlib;

struct options {
  std::filesystem::path data_dir = sl::data::fashion_mnist_dir;
  std::filesystem::path out_dir = std::filesystem::temp_directory_path() / "sessionlib_fashion_mnist";
  int epochs = 10;
  std::size_t train_limit = 0;  // 0: all 60000 training images
  double min_accuracy = 0;      // exit 1 below this test accuracy
  bool pipeline = false;        // --pipeline: the training batches come from readers and queues in the graph
  bool offers_pipeline = false; // whether the example has --pipeline (fashion_mnist does, the CNN does not)
  bool distributed = false;     // --distributed: one rank of an mpirun job (the Session target "mpi")
  bool offers_distributed = false; // whether the example has --distributed (fashion_mnist built with MPI)
};

inline void usage(std::ostream& os, const char* argv0, const options& o) {
  os << "usage: " << argv0 << " [DATA_DIR] [--epochs N] [--train-limit N] [--out DIR] [--min-accuracy A]"
     << (o.offers_pipeline ? " [--pipeline]" : "") << "\n"
     << "  DATA_DIR        Fashion-MNIST's four IDX files (default " << o.data_dir.string() << ",\n"
     << "                  from Debian's package: apt-get install dataset-fashion-mnist)\n"
     << "  --epochs N      passes over the training set, N >= 1 (default " << o.epochs << ")\n"
     << "  --train-limit N train on the first N >= 1 images only (default: all)\n"
     << "  --out DIR       where the checkpoint (and model.meta, for serving) goes (default " << o.out_dir.string() << ")\n"
     << "  --min-accuracy A  exit with status 1 when the test accuracy is below A, 0 <= A <= 1\n";
  if (o.offers_pipeline)
    os << "  --pipeline      train from an input pipeline in the graph: IDX readers, shuffle_batch and runner\n"
       << "                  threads (with --train-limit N: N examples per epoch, as the readers read them)\n";
  if (o.offers_distributed)
    os << "  --distributed   one rank of `mpirun -np N`: each rank trains on its share of every batch, gradients\n"
       << "                  averaged over the ranks (sl::mpi::DistributedOptimizer); rank 0 prints and saves\n";
}

/// `text`, the value of `flag`, as a number in [lo, hi]: the whole string must
/// be the number (std::from_chars: no spaces, no '+', nothing after it), so
/// "abc", "3x" and "-3" are errors, not 0 or 3. On error, says what was wrong.
template <class T>
bool parse_number(std::string_view flag, std::string_view text, T lo, T hi, T& out) {
  T v{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec == std::errc{} && ptr == end && v >= lo && v <= hi) {  // !(NaN >= lo): NaN is refused too
    out = v;
    return true;
  }
  std::cerr << "error: " << flag << " takes " << (std::is_integral_v<T> ? "a whole number" : "a number") << " from "
            << lo << " to " << hi << ", got '" << text << "'\n";
  return false;
}

/// The options, or the status to exit with at once: 0 after --help (usage on
/// stdout), 2 after a usage error (what was wrong on stderr).
struct parsed {
  std::optional<options> opts;
  int status = 0;
};

inline parsed parse(int argc, char** argv, options o) {
  const parsed usage_error{std::nullopt, 2};
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      usage(std::cout, argv[0], o);
      return {std::nullopt, 0};
    }
    const bool takes_value = a == "--epochs" || a == "--train-limit" || a == "--out" || a == "--min-accuracy";
    if (takes_value && i + 1 == argc) {
      std::cerr << "error: " << a << " needs a value (--help for usage)\n";
      return usage_error;
    }
    bool ok = true;
    if (a == "--epochs") ok = parse_number(a, argv[++i], 1, std::numeric_limits<int>::max(), o.epochs);
    else if (a == "--train-limit")
      ok = parse_number<std::size_t>(a, argv[++i], 1, std::numeric_limits<std::size_t>::max(), o.train_limit);
    else if (a == "--out") o.out_dir = argv[++i];
    else if (a == "--min-accuracy") ok = parse_number(a, argv[++i], 0.0, 1.0, o.min_accuracy);
    else if (a == "--pipeline" && o.offers_pipeline) o.pipeline = true;
    else if (a == "--distributed" && o.offers_distributed) o.distributed = true;
    else if (!a.empty() && a[0] != '-') o.data_dir = a;
    else {
      std::cerr << "error: unknown option '" << a << "' (--help for usage)\n";
      return usage_error;
    }
    if (!ok) return usage_error;
  }
  return {o, 0};
}

/// Images as floats in [0, 1], one row of 784 per image; labels as int64.
struct dataset {
  xt::xtensor<float, 2> train_x, test_x;
  xt::xtensor<std::int64_t, 1> train_y, test_y;
};

inline xt::xtensor<float, 2> scale(const xt::xtensor<std::uint8_t, 3>& images, std::size_t limit) {
  const std::size_t n = limit ? std::min(limit, images.shape(0)) : images.shape(0);
  const std::size_t pixels = images.shape(1) * images.shape(2);
  auto out = xt::xtensor<float, 2>::from_shape({n, pixels});
  for (std::size_t i = 0; i < n * pixels; ++i) out.data()[i] = static_cast<float>(images.data()[i]) / 255.0f;
  return out;
}
inline xt::xtensor<std::int64_t, 1> widen(const xt::xtensor<std::uint8_t, 1>& labels, std::size_t limit) {
  const std::size_t n = limit ? std::min(limit, labels.size()) : labels.size();
  auto out = xt::xtensor<std::int64_t, 1>::from_shape({n});
  for (std::size_t i = 0; i < n; ++i) out(i) = labels(i);
  return out;
}

/// Loads the data set, or prints how to get it and returns nullopt.
inline std::optional<dataset> load(const options& o) {
  try {
    const auto raw = sl::data::load_mnist(o.data_dir);
    return dataset{scale(raw.train_images, o.train_limit), scale(raw.test_images, 0), widen(raw.train_labels, o.train_limit),
                   widen(raw.test_labels, 0)};
  } catch (const sl::error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return std::nullopt;
  }
}

/// The path of IDX file `base` in `dir`, gzip'd or plain, as sl::data::load_mnist
/// finds it; nullopt, after saying how to get the data, when it is missing.
inline std::optional<std::filesystem::path> find_idx(const std::filesystem::path& dir, const std::string& base) {
  for (const char* ext : {".gz", ""}) {
    auto p = dir / (base + ext);
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) return p;
  }
  std::cerr << "error: Fashion-MNIST file '" << (dir / (base + ".gz")).string()
            << "' not found: install the data set with `apt-get install dataset-fashion-mnist`, "
               "or pass the directory that holds it\n";
  return std::nullopt;
}

/// The test set only (the --pipeline mode reads the training set in the graph).
inline std::optional<dataset> load_test(const options& o) {
  const auto images = find_idx(o.data_dir, "t10k-images-idx3-ubyte");
  const auto labels = images ? find_idx(o.data_dir, "t10k-labels-idx1-ubyte") : std::nullopt;
  if (!labels) return std::nullopt;
  try {
    dataset d;
    d.test_x = scale(sl::data::read_idx<3>(*images), 0);
    d.test_y = widen(sl::data::read_idx<1>(*labels), 0);
    return d;
  } catch (const sl::error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return std::nullopt;
  }
}

/// Shuffled mini-batches of one epoch, copied into reused buffers.
class batcher {
 public:
  batcher(const dataset& d, std::size_t batch, std::uint32_t seed) : d_(&d), batch_(batch), rng_(seed), order_(d.train_x.shape(0)) {
    std::iota(order_.begin(), order_.end(), std::size_t{0});
  }
  std::size_t batches() const { return (order_.size() + batch_ - 1) / batch_; }
  void shuffle() { std::shuffle(order_.begin(), order_.end(), rng_); }
  /// Fills x, y with batch `b` of the current order (the last one may be short).
  void fill(std::size_t b, xt::xtensor<float, 2>& x, xt::xtensor<std::int64_t, 1>& y) const {
    const std::size_t from = b * batch_, n = std::min(batch_, order_.size() - from), cols = d_->train_x.shape(1);
    if (x.shape(0) != n) {
      x.resize({n, cols});
      y.resize({n});
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t src = order_[from + i];
      std::copy_n(d_->train_x.data() + src * cols, cols, x.data() + i * cols);
      y(i) = d_->train_y(src);
    }
  }

 private:
  const dataset* d_;
  std::size_t batch_;
  std::mt19937 rng_;
  std::vector<std::size_t> order_;
};

/// A one-line progress bar on stderr, redrawn in place with '\r'.
class progress {
 public:
  using clock = std::chrono::steady_clock;
  progress(int epochs, std::size_t batches) : epochs_(epochs), batches_(batches), tty_(::isatty(2)) {}
  void start_epoch(int epoch) {
    epoch_ = epoch;
    examples_ = 0;
    t0_ = last_ = clock::now();
  }
  void update(std::size_t batch, std::size_t examples, float loss) {
    examples_ += examples;
    const auto now = clock::now();
    const bool done = batch + 1 == batches_;
    if (!done && now - last_ < std::chrono::milliseconds(tty_ ? 100 : 2000)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - t0_).count();
    constexpr int width = 30;
    const int filled = static_cast<int>(width * (batch + 1) / batches_);
    std::fprintf(stderr, "\repoch %d/%d [%.*s%s%*s] %zu/%zu  loss %.4f  %.0f examples/s ", epoch_, epochs_, filled,
                 "==============================", filled < width ? ">" : "", std::max(0, width - filled - 1), "", batch + 1,
                 batches_, static_cast<double>(loss), secs > 0 ? static_cast<double>(examples_) / secs : 0.0);
    if (done || !tty_) std::fputc('\n', stderr);
    std::fflush(stderr);
  }

 private:
  int epochs_, epoch_ = 0;
  std::size_t batches_, examples_ = 0;
  bool tty_;
  clock::time_point t0_, last_;
};

/// How many test images fashion_mnist's exported predictions cover (examples/serve.cpp).
inline constexpr std::size_t served_images = 256;

/// The first `n` rows of `x`.
inline xt::xtensor<float, 2> first_rows(const xt::xtensor<float, 2>& x, std::size_t n) {
  n = std::min(n, x.shape(0));
  auto out = xt::xtensor<float, 2>::from_shape({n, x.shape(1)});
  std::copy_n(x.data(), n * x.shape(1), out.data());
  return out;
}

/// Fraction of `predicted` equal to `labels`.
inline double accuracy(const xt::xtensor<std::int64_t, 1>& predicted, const xt::xtensor<std::int64_t, 1>& labels) {
  std::size_t right = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) right += predicted(i) == labels(i);
  return labels.size() ? static_cast<double>(right) / static_cast<double>(labels.size()) : 0.0;
}

/// Prints the class and probability the model gives each of the first `n` test images.
inline void print_predictions(const xt::xtensor<float, 2>& probabilities, const xt::xtensor<std::int64_t, 1>& labels, std::size_t n) {
  for (std::size_t i = 0; i < n && i < labels.size(); ++i) {
    std::size_t best = 0;
    for (std::size_t c = 1; c < probabilities.shape(1); ++c)
      if (probabilities(i, c) > probabilities(i, best)) best = c;
    const auto truth = static_cast<std::size_t>(labels(i));
    std::printf("  test image %zu: %-11s (%5.1f%%)  true: %-11s %s\n", i, std::string(sl::data::fashion_mnist_classes[best]).c_str(),
                100.0 * static_cast<double>(probabilities(i, best)), std::string(sl::data::fashion_mnist_classes[truth]).c_str(),
                best == truth ? "" : "<- wrong");
  }
}

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// How the CNN and LSTM examples end: prints the test accuracy `acc`, saves a
/// checkpoint `name` in --out, restores it into a fresh session, prints that
/// session's predictions of the first test images (`probabilities` given `x`),
/// and returns 1 when `acc` is below --min-accuracy, else 0.
template <class Step, class X, class P>
int finish(sl::Graph& g, sl::Session& sess, sl::train::Saver& saver, const Step& global_step, const X& x,
           const P& probabilities, const dataset& data, const options& opts, const std::string& name, double acc,
           double train_seconds) {
  std::printf("test accuracy: %.4f after %d epoch(s) (%lld steps) in %.1f s\n", acc, opts.epochs,
              static_cast<long long>(sess.run(global_step)), train_seconds);
  const std::string path = saver.save(sess, (opts.out_dir / name).string(), global_step);
  std::printf("saved checkpoint %s\n", path.c_str());
  sl::Session fresh(g);
  saver.restore(fresh, path);
  const xt::xtensor<float, 2> probs = fresh.run(probabilities, {{x, first_rows(data.test_x, 8)}});
  std::printf("predictions of the restored model:\n");
  print_predictions(probs, data.test_y, 8);
  if (acc < opts.min_accuracy) {
    std::fprintf(stderr, "error: test accuracy %.4f is below --min-accuracy %.4f\n", acc, opts.min_accuracy);
    return 1;
  }
  return 0;
}

}  // namespace example

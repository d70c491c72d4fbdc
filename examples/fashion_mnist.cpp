// The flagship example: Fashion-MNIST with a 784-256-10 MLP, as a TF 1.x user
// writes it. Build the graph once; train with Adam through a callable; report
// the test accuracy; save a checkpoint; restore it into a NEW session and
// predict a few test images. With the GraphDef part (libprotobuf), it also
// exports the model for serving: DIR/model.meta beside the checkpoint, and its
// own predictions for the first test images in DIR/predictions.npy, which
// examples/serve.cpp -- a program without the model's code -- reproduces.
//
// With --pipeline the training batches come through the graph, as TF 1.x's
// input pipelines bring them (docs/input_pipeline.md): the IDX files are read
// by IdxRecordReaders on a runner thread, decoded, shuffled in a
// RandomShuffleQueue, and each training step dequeues its batch; the model's
// x and y are placeholder_with_default of that batch, so evaluation and
// prediction still feed test images.
//
//   apt-get install dataset-fashion-mnist     # the data, from Debian
// With --distributed (a build with the MPI part) it is one rank of an mpirun
// job, as Horovod trains: the Session target "mpi", DistributedOptimizer
// averaging the ranks' gradients, broadcast_global_variables after
// initialisation; each rank feeds its share of every batch (the ranks together
// take the single process's steps), and rank 0 prints and writes the checkpoint.
//
//   ./fashion_mnist [DATA_DIR] [--epochs N] [--out DIR] [--pipeline]   # 10 epochs: test accuracy 0.8855
//   mpirun -np 2 --oversubscribe ./fashion_mnist --distributed         # the same, on 2 ranks
//   ./serve DIR [DATA_DIR]                                             # the exported model, served
#include "mnist_common.hpp"

#include <exception>
#include <thread>

#include <sessionlib/input.hpp>  // readers, queues, shuffle_batch (--pipeline)

#ifdef EXAMPLES_MPI  // set by examples/meson.build when the MPI part is available
#include <sessionlib/mpi.hpp>
#endif
#ifdef EXAMPLES_GRAPHDEF  // set by examples/meson.build when the GraphDef part is available
#include <sessionlib/graph_def/meta_graph_export.hpp>
#include <xtensor/xnpy.hpp>
#endif

namespace sl = sessionlib;

namespace {

constexpr std::size_t batch_size = 64;

/// --pipeline: shuffled batches of the training set, read in the graph. One
/// IdxRecordReader per file (the header gives the record size: 784 bytes per
/// image, 1 per label) reads a batch of records per run (read_up_to),
/// decode_raw and cast make them rows, and shuffle_batch enqueues the rows
/// (enqueue_many). Images and labels come from two files of as many records,
/// so one runner thread runs both reads: two would interleave them and pair an
/// image with another's label. `num_epochs` 0 reads the files round and round
/// (--train-limit).
auto input_pipeline(sl::Graph& g, const std::filesystem::path& images, const std::filesystem::path& labels,
                    std::int64_t num_epochs) {
  auto image_files = sl::train::string_input_producer(g, {images.string()}, num_epochs, /*shuffle=*/false);
  auto label_files = sl::train::string_input_producer(g, {labels.string()}, num_epochs, false);
  sl::IdxRecordReader image_reader(g, 784), label_reader(g, 1);
  const auto [image_keys, image_bytes] = image_reader.read_up_to(image_files, batch_size);
  const auto [label_keys, label_bytes] = label_reader.read_up_to(label_files, batch_size);
  auto rows = sl::cast<float>(sl::reshape<sl::shape<sl::dyn, 784>>(sl::decode_raw<std::uint8_t>(image_bytes))) / 255.f;
  auto classes = sl::cast<std::int64_t>(sl::reshape<sl::shape<sl::dyn>>(sl::decode_raw<std::uint8_t>(label_bytes)));
  // TF's rule of thumb: keep min_after_dequeue examples to mix, room for a few batches more.
  constexpr std::int64_t min_after_dequeue = 10000;
  return sl::train::shuffle_batch<batch_size>(sl::train::enqueue_many(std::tuple{rows, classes}),
                                              min_after_dequeue + 3 * batch_size, min_after_dequeue, /*seed=*/42,
                                              {.num_threads = 1});
  // Tensor<float, shape<64, 784>>, Tensor<std::int64_t, shape<64>>
}

/// --distributed: rank `rank`'s share of the batch in `x`, `y` (rows
/// [n rank / ranks, n (rank + 1) / ranks)), into `xs`, `ys`.
void share_of_batch(const xt::xtensor<float, 2>& x, const xt::xtensor<std::int64_t, 1>& y, int rank, int ranks,
                    xt::xtensor<float, 2>& xs, xt::xtensor<std::int64_t, 1>& ys) {
  const std::size_t n = y.size(), cols = x.shape(1);
  const std::size_t lo = n * static_cast<std::size_t>(rank) / static_cast<std::size_t>(ranks);
  const std::size_t hi = n * static_cast<std::size_t>(rank + 1) / static_cast<std::size_t>(ranks);
  if (xs.shape(0) != hi - lo) {
    xs.resize({hi - lo, cols});
    ys.resize({hi - lo});
  }
  std::copy_n(x.data() + lo * cols, (hi - lo) * cols, xs.data());
  std::copy_n(y.data() + lo, hi - lo, ys.data());
}

#ifdef EXAMPLES_MPI
constexpr bool with_mpi = true;
#else
constexpr bool with_mpi = false;
#endif

}  // namespace

int main(int argc, char** argv) try {
  const auto args = example::parse(argc, argv, {.offers_pipeline = true, .offers_distributed = with_mpi});
  if (!args.opts) return args.status;  // after --help (0) or a usage error (2)
  const auto& opts = args.opts;
  if (opts->distributed && opts->pipeline) {
    std::fprintf(stderr, "error: --distributed does not combine with --pipeline (--help for usage)\n");
    return 2;
  }
  int rank = 0, ranks = 1;  // --distributed: this process's rank, and mpirun's -np
#ifdef EXAMPLES_MPI
  if (opts->distributed) rank = sl::mpi::rank(), ranks = sl::mpi::size();
#endif
  const bool chief = rank == 0;  // the rank that prints (and, through the Saver, writes the checkpoint)
  if (!chief && !std::freopen("/dev/null", "w", stdout)) return 1;
  std::optional<std::filesystem::path> train_images, train_labels;
  if (opts->pipeline) {  // the training set stays on disk: only its paths and size are needed here
    train_images = example::find_idx(opts->data_dir, "train-images-idx3-ubyte");
    train_labels = train_images ? example::find_idx(opts->data_dir, "train-labels-idx1-ubyte") : std::nullopt;
    if (!train_labels) return 77;
  }
  const auto data = opts->pipeline ? example::load_test(*opts) : example::load(*opts);
  if (!data) return 77;  // the data is missing (77: "skipped" to test runners)
  const std::size_t available = opts->pipeline ? sl::data::read_idx<1>(*train_labels).size() : data->train_x.shape(0);
  const std::size_t n_train = opts->pipeline && opts->train_limit ? opts->train_limit : available;
  std::printf("Fashion-MNIST: %zu training and %zu test images from %s%s\n", n_train, data->test_x.shape(0),
              opts->data_dir.c_str(), opts->pipeline ? " (through an input pipeline)" : "");

  // The graph: every handle's dtype and shape are in its C++ type.
  sl::Graph g;
  sl::Tensor<float, sl::shape<sl::dyn, 784>> x;
  sl::Tensor<std::int64_t, sl::shape<sl::dyn>> y;
  if (opts->pipeline) {  // x and y are the dequeued batch unless fed (evaluation feeds test images)
    const auto [images, labels] = input_pipeline(g, *train_images, *train_labels, opts->train_limit ? 0 : opts->epochs);
    x = sl::placeholder_with_default<sl::shape<sl::dyn, 784>>(images, "x");
    y = sl::placeholder_with_default<sl::shape<sl::dyn>>(labels, "y");
  } else {
    x = sl::placeholder<float, sl::shape<sl::dyn, 784>>(g, "x");
    y = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "y");
  }
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
  sl::train::AdamOptimizer adam(1e-3f);
#ifdef EXAMPLES_MPI
  // --distributed: the ranks' gradients averaged before Adam applies them; rank 0's initial values everywhere.
  auto train = opts->distributed ? sl::mpi::DistributedOptimizer(adam).minimize(loss, global_step)
                                 : adam.minimize(loss, global_step);
  const auto sync = sl::mpi::broadcast_global_variables(g, 0);
#else
  auto train = adam.minimize(loss, global_step);
#endif
  sl::train::Saver saver(g);  // every variable: the weights, Adam's slots, the global step

  sl::Session sess(g, {}, opts->distributed ? "mpi" : "");
  sess.run(sl::global_variables_initializer(g));
#ifdef EXAMPLES_MPI
  if (opts->distributed) sess.run(sync);
#endif
  // A prepared step: no plan lookup per batch, values fed in place.
  auto step = sess.make_callable(std::tuple{train, loss}, sl::feed_list(x, y));
  // --pipeline: a step fed nothing; its run dequeues the batch.
  auto queued_step = sess.make_callable(std::tuple{train, loss});

  example::batcher batches(*data, batch_size, 42);
  // The pipeline's batches are all full: an epoch is the whole batches of n_train examples.
  const std::size_t steps_per_epoch = opts->pipeline ? std::max<std::size_t>(n_train / batch_size, 1) : batches.batches();
  example::progress bar(opts->epochs, steps_per_epoch);
  auto xb = xt::xtensor<float, 2>::from_shape({batch_size, 784});
  auto yb = xt::xtensor<std::int64_t, 1>::from_shape({batch_size});
  xt::xtensor<float, 2> xs;  // --distributed: this rank's share of the batch
  xt::xtensor<std::int64_t, 1> ys;
  sl::train::Coordinator coord;
  std::vector<std::thread> runners;
  if (opts->pipeline) runners = sl::train::start_queue_runners(sess, coord);  // readers and queues start filling
  const auto t0 = std::chrono::steady_clock::now();
  bool ended_early = false;
  try {
    for (int epoch = 1; epoch <= opts->epochs; ++epoch) {
      batches.shuffle();
      if (chief) bar.start_epoch(epoch);
      for (std::size_t b = 0; b < steps_per_epoch; ++b) {
        if (opts->pipeline) {
          auto [_, l] = queued_step();
          bar.update(b, batch_size, l);
        } else {
          batches.fill(b, xb, yb);  // the same batch on every rank (one seed)
          if (ranks > 1) share_of_batch(xb, yb, rank, ranks, xs, ys);
          auto [_, l] = ranks > 1 ? step(xs, ys) : step(xb, yb);
          if (chief) bar.update(b, yb.size(), l);
        }
      }
      if (epoch < opts->epochs && chief) {  // as Keras' validation line
        const xt::xtensor<std::int64_t, 1> p = sess.run(predicted, {{x, data->test_x}});
        std::printf("epoch %d: test accuracy %.4f\n", epoch, example::accuracy(p, data->test_y));
        std::fflush(stdout);
      }
    }
  } catch (const sl::out_of_range&) {  // the input closed early (a runner failed: join says why)
    ended_early = true;
  }
  coord.request_stop();  // the runners' blocked enqueues are cancelled
  coord.join(runners);   // re-raises an error a runner reported (a damaged file)
  if (ended_early) {
    std::fprintf(stderr, "error: the input pipeline ended after %lld steps\n", static_cast<long long>(sess.run(global_step)));
    return 1;
  }
  const double train_seconds = example::seconds_since(t0);

  const xt::xtensor<std::int64_t, 1> test_pred = sess.run(predicted, {{x, data->test_x}});
  const double acc = example::accuracy(test_pred, data->test_y);
  std::printf("test accuracy: %.4f after %d epochs (%lld steps) in %.1f s\n", acc, opts->epochs,
              static_cast<long long>(sess.run(global_step)), train_seconds);

  // Save, then restore into a new session: restoring is its initialisation.
  // --distributed: every rank calls save, rank 0 writes, every rank restores.
  const std::string path = saver.save(sess, (opts->out_dir / "model.ckpt").string(), global_step);
  std::printf("saved checkpoint %s\n", path.c_str());
  sl::Session fresh(g);
  saver.restore(fresh, *sl::train::latest_checkpoint(opts->out_dir));
  const auto first = example::first_rows(data->test_x, 8);
  const xt::xtensor<float, 2> probs = fresh.run(probabilities, {{x, first}});
  std::printf("predictions of the restored model:\n");
  example::print_predictions(probs, data->test_y, 8);
#ifdef EXAMPLES_GRAPHDEF
  if (!opts->pipeline && !opts->distributed) {  // (queue, reader and MPI ops do not import: see docs)
    // Export for serving: the graph, the Saver's variables and a signature (TF's
    // "serving_default"), and the predictions a server must reproduce exactly.
    sl::train::export_meta_graph(g, saver, opts->out_dir / "model.meta",
                                 {{"serving_default", {.inputs = {{"images", x}},
                                                       .outputs = {{"probabilities", probabilities}, {"classes", predicted}}}}});
    const xt::xtensor<float, 2> served = sess.run(probabilities, {{x, example::first_rows(data->test_x, example::served_images)}});
    xt::dump_npy((opts->out_dir / "predictions.npy").string(), served);
    std::printf("exported %s for serving (./serve %s)\n", (opts->out_dir / "model.meta").c_str(), opts->out_dir.c_str());
  }
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
} catch (const sl::error& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}

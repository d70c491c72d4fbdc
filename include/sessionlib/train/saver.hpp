// sl::train::Saver: saves the values variables have in a session to a
// checkpoint (train/checkpoint.hpp) and restores them into any session of the
// graph, where restoring counts as initialising (TF's tf.train.Saver).
#pragma once

#include <deque>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "../ops/state.hpp"
#include "../session/session.hpp"
#include "checkpoint.hpp"

namespace sessionlib::train {

/// A variable a Saver saves: any TensorLike standing for a variable (Variable,
/// or the tensor that reads it), or a variable's index in its graph.
struct saveable {
  Graph* graph;
  std::int32_t index;

  template <TensorLike V>
  saveable(const V& v) : graph(&as_tensor(v).graph()), index(variable_index(*graph, as_tensor(v).id())) {}  // NOLINT: implicit by design
  saveable(const any_variable& v) : graph(&v.graph()), index(v.index()) {}  // NOLINT: implicit by design
  saveable(Graph& g, std::int32_t variable_index) : graph(&g), index(variable_index) {}

  /// The index of the variable that node `id` reads; sl::invalid_argument if none.
  static std::int32_t variable_index(const Graph& g, node_id id) {
    for (std::size_t i = 0; i < g.variable_count(); ++i)
      if (g.variable_node(i) == id) return static_cast<std::int32_t>(i);
    if (const std::int32_t v = g.at(id).attr.variable; v >= 0) return v;
    throw invalid_argument("Saver: '" + g.at(id).name + ":0' is not a variable", g.at(id).name);
  }
};

/// Saves and restores variables (TF's tf.train.Saver).
///
///     sl::train::Saver saver(g);                      // every variable of g
///     std::string path = saver.save(sess, "ckpt/model.ckpt", step);   // "ckpt/model.ckpt-100"
///     saver.restore(other_sess, *sl::train::latest_checkpoint("ckpt"));
class Saver {
 public:
  /// Saves every variable of `g` that exists at the time of each save or restore
  /// (so slot variables an optimizer adds later are included). Keeps the
  /// newest `max_to_keep` checkpoints it wrote (0: all).
  explicit Saver(Graph& g = get_default_graph(), std::size_t max_to_keep = 5) : graph_(&g), max_to_keep_(max_to_keep) {}

  /// Saves the listed variables only: `Saver({w, b})`.
  explicit Saver(std::initializer_list<saveable> vars, std::size_t max_to_keep = 5)
      : Saver(std::vector<saveable>(vars), max_to_keep) {}
  /// Saves `sl::trainable_variables(g)` or any other list of variables.
  explicit Saver(const std::vector<any_variable>& vars, std::size_t max_to_keep = 5)
      : Saver(std::vector<saveable>(vars.begin(), vars.end()), max_to_keep) {}
  explicit Saver(const std::vector<saveable>& vars, std::size_t max_to_keep = 5) : max_to_keep_(max_to_keep), all_(false) {
    if (vars.empty()) throw invalid_argument("Saver: no variables to save");
    graph_ = vars.front().graph;
    for (const auto& v : vars) {
      if (v.graph != graph_) throw invalid_argument("Saver: the variables must all be of one graph");
      if (std::find(vars_.begin(), vars_.end(), v.index) == vars_.end()) vars_.push_back(v.index);
    }
  }

  std::size_t max_to_keep() const noexcept { return max_to_keep_; }
  /// The checkpoints this Saver wrote and still keeps, oldest first.
  const std::deque<std::string>& last_checkpoints() const noexcept { return kept_; }

  /// Saves the variables' values in `sess` to checkpoint `prefix` (with
  /// "-<global_step>" appended when given) and returns its path. The parent
  /// directory is created when missing. Uninitialised variables give
  /// sl::failed_precondition; a failure part-way leaves earlier checkpoints intact.
  std::string save(Session& sess, const std::string& prefix, std::optional<std::int64_t> global_step = std::nullopt) {
    check_session(sess);
    const std::filesystem::path path = global_step ? prefix + "-" + std::to_string(*global_step) : prefix;
    if (path.filename().empty()) throw invalid_argument("Saver: the checkpoint prefix '" + prefix + "' names no file");
    const std::filesystem::path dir = path.parent_path();
    if (std::error_code ec; !dir.empty() && !std::filesystem::create_directories(dir, ec) && ec)
      detail::throw_io("Failed to create the checkpoint directory", dir, ec.value());

    // Snapshot every value first, each under its slot's lock.
    std::vector<std::pair<checkpoint_entry, any_array>> values;
    for (std::int32_t v : variables()) {
      const node& n = graph_->at(graph_->variable_node(static_cast<std::size_t>(v)));
      variable_slot& slot = sess.impl()->state().variable(v);
      std::lock_guard lock(slot.m);
      if (!slot.initialized) throw failed_precondition("Attempting to use uninitialized value " + n.name, n.name);
      values.push_back({checkpoint_entry{n.name, slot.value.dtype(), slot.value.shape(), 0, {}}, slot.value.clone()});
    }

    // A fresh data directory, so an earlier checkpoint of the same prefix stays whole until the index is replaced.
    const auto existing = detail::data_dirs(path);
    std::size_t next = existing.empty() ? 0 : existing.back().first + 1;
    std::filesystem::path data_dir;
    for (std::error_code ec;;) {
      data_dir = path;
      data_dir += ".data-" + std::to_string(next++);
      if (std::filesystem::create_directory(data_dir, ec)) break;
      if (ec) detail::throw_io("Failed to create", data_dir, ec.value());
    }

    std::vector<checkpoint_entry> entries;
    std::vector<std::string> used;
    for (auto& [entry, value] : values) {
      std::string file = detail::npy_file_name(entry.name);
      for (int k = 1; std::find(used.begin(), used.end(), file) != used.end(); ++k) file = detail::npy_file_name(entry.name) + "_" + std::to_string(k);
      used.push_back(file);
      entry.file = data_dir.filename().string() + "/" + file + ".npy";
      entry.crc = detail::write_npy_atomic(data_dir / (file + ".npy"), value);
      entries.push_back(entry);
    }
    detail::sync_directory(data_dir);
    write_checkpoint_index(path, entries);  // the commit point
    std::error_code ec;
    for (const auto& [n, d] : existing) std::filesystem::remove_all(d, ec);  // the replaced save's data

    const std::string saved = path.string();
    auto kept = kept_;
    kept.erase(std::remove(kept.begin(), kept.end(), saved), kept.end());
    kept.push_back(saved);
    std::vector<std::string> dropped;
    while (max_to_keep_ && kept.size() > max_to_keep_) {
      dropped.push_back(kept.front());
      kept.pop_front();
    }
    update_checkpoint_state(dir, {saved, {kept.begin(), kept.end()}});
    kept_ = std::move(kept);
    for (const auto& old : dropped) remove_checkpoint(old);  // only once the state file no longer names them
    return saved;
  }

  /// As save(sess, prefix, step), the step read from `global_step` in `sess`
  /// (an integer scalar, e.g. sl::train::create_global_step's variable).
  template <TensorLike G>
    requires std::is_integral_v<value_type_of<G>> && (shape_of<G>::rank() == 0)
  std::string save(Session& sess, const std::string& prefix, const G& global_step) {
    return save(sess, prefix, static_cast<std::int64_t>(sess.run(global_step)));
  }

  /// Restores the variables' values from the checkpoint at `path` into `sess`,
  /// marking them initialised there. Everything is read and verified before
  /// any variable changes: sl::not_found for a missing file or variable,
  /// sl::data_loss for damaged data, sl::invalid_argument for a dtype or shape
  /// that differs from the variable's.
  void restore(Session& sess, const std::string& path) {
    check_session(sess);
    const auto entries = read_checkpoint_index(path);
    std::vector<std::pair<std::int32_t, any_array>> loaded;
    for (std::int32_t v : variables()) {
      const node& n = graph_->at(graph_->variable_node(static_cast<std::size_t>(v)));
      const auto it = std::find_if(entries.begin(), entries.end(), [&](const checkpoint_entry& e) { return e.name == n.name; });
      if (it == entries.end()) throw not_found("Key " + n.name + " not found in checkpoint " + path, n.name);
      if (it->type != n.type)
        throw invalid_argument("Restoring variable '" + n.name + "' from checkpoint " + path + ": dtype " +
                                   std::string(dtype_name(n.type)) + " in the graph, " + std::string(dtype_name(it->type)) +
                                   " in the checkpoint",
                               n.name);
      if (!shape_fits(n.shape, it->shape))
        throw invalid_argument("Restoring variable '" + n.name + "' from checkpoint " + path + ": shape " +
                                   static_shape_string(n.shape) + " in the graph, " + to_string(it->shape) + " in the checkpoint",
                               n.name);
      loaded.emplace_back(v, load_checkpoint_tensor(path, *it));
    }
    for (auto& [v, value] : loaded) {
      variable_slot& slot = sess.impl()->state().variable(v);
      std::lock_guard lock(slot.m);
      slot.value = std::move(value);
      slot.initialized = true;
    }
  }

 private:
  std::vector<std::int32_t> variables() const {
    if (!all_) return vars_;
    std::vector<std::int32_t> all(graph_->variable_count());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::int32_t>(i);
    return all;
  }
  void check_session(Session& sess) const {
    sess.impl()->check_open();
    if (&sess.graph() != graph_) throw invalid_argument("Saver: the session runs another graph than the Saver's");
  }

  Graph* graph_ = nullptr;
  std::size_t max_to_keep_ = 5;
  bool all_ = true;
  std::vector<std::int32_t> vars_;
  std::deque<std::string> kept_;
};

}  // namespace sessionlib::train

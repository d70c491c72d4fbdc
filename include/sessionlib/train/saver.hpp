// sl::train::Saver: saves the values variables have in a session to a
// checkpoint (train/checkpoint.hpp) and restores them into any session of the
// graph, where restoring counts as initialising (TF's tf.train.Saver).
#pragma once

#include <deque>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "../config.hpp"
#include "../ops/state.hpp"
#include "../session/session.hpp"
#include "checkpoint.hpp"

namespace sessionlib::train {

namespace detail {

// Concurrent saves. A save holds the directory's lock (directory_lock) only
// to create its data directory and, once the data is written, to commit:
// sweep what dead saves left, write the index, drop the data it replaces,
// write the state file and retire old checkpoints. Data directories being
// written carry a locked marker file, so no save ever deletes another save's
// data in progress; a marker or temporary whose lock is free was left by a
// writer that died.

inline constexpr std::string_view in_progress_marker = ".in-progress";

#if SESSIONLIB_DEFINITIONS
SESSIONLIB_INLINE std::filesystem::path directory_of(const std::filesystem::path& prefix) {
  return prefix.parent_path().empty() ? std::filesystem::path(".") : prefix.parent_path();
}
#else
SESSIONLIB_DECLARE std::filesystem::path directory_of(const std::filesystem::path& prefix);
#endif

// A save's locks and data directories: only save() and restore() use them,
// compiled where definitions are (config.hpp's SESSIONLIB_DEFINITIONS).
#if SESSIONLIB_DEFINITIONS
/// The lock of a checkpoint directory: a process-wide mutex for this
/// process's threads (whatever the file system's flock does), then the flock
/// of `<dir>/checkpoint.lock` for other processes.
struct directory_lock {
  std::unique_lock<std::mutex> threads;
  file_lock processes;
};
inline directory_lock lock_checkpoint_directory(const std::filesystem::path& dir) {
  static std::mutex m;
  std::unique_lock threads(m);
  return {std::move(threads), file_lock::acquire(dir / "checkpoint.lock")};
}

/// A data directory `<prefix>.data-<n>` is complete (no marker), being
/// written (a marker whose lock a live save holds), or abandoned (a marker
/// whose save died before it committed, or after, before it removed the marker).
enum class data_state { complete, writing, abandoned };
#if SESSIONLIB_DEFINITIONS
SESSIONLIB_INLINE data_state state_of_data(const std::filesystem::path& data_dir) {
  switch (file_lock::probe(data_dir / in_progress_marker)) {
    case file_lock::probe_result::missing: return data_state::complete;
    case file_lock::probe_result::held: return data_state::writing;
    case file_lock::probe_result::free: break;
  }
  return data_state::abandoned;
}

/// The prefix whose data directory `name` ("model.ckpt-5.data-0") is; empty when it is none.
SESSIONLIB_INLINE std::string_view data_prefix(std::string_view name) {
  const auto at = name.rfind(".data-");
  if (at == std::string_view::npos || at == 0 || at + 6 == name.size()) return {};
  const auto digits = name.substr(at + 6);
  if (digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return {};
  return name.substr(0, at);
}

/// True when the index of `prefix` lists a file in `data_dir`. A damaged index
/// counts as listing it: a sweep deletes only what is certainly unused.
SESSIONLIB_INLINE bool index_uses(const std::filesystem::path& prefix, const std::filesystem::path& data_dir) {
  if (!checkpoint_exists(prefix)) return false;
  const std::string dir = data_dir.filename().string() + "/";
  try {
    const auto entries = read_checkpoint_index(prefix);
    return std::any_of(entries.begin(), entries.end(), [&](const checkpoint_entry& e) { return e.file.compare(0, dir.size(), dir) == 0; });
  } catch (const error&) {
    return true;
  }
}

/// Removes what saves that died left in `dir`: index and state-file
/// temporaries no live writer holds, and abandoned data directories (a marker
/// is all that is removed of one its index already lists). Call it holding
/// the directory's lock.
SESSIONLIB_INLINE void sweep_abandoned(const std::filesystem::path& dir) {
  std::unique_lock no_temp_being_created(temp_creation_mutex());
  std::vector<std::filesystem::path> temps, data;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const std::string_view final_name = temp_final_name(name);
    if (final_name == "checkpoint" || (final_name.size() > 6 && final_name.substr(final_name.size() - 6) == ".index")) temps.push_back(e.path());
    else if (!data_prefix(name).empty()) data.push_back(e.path());
  }
  for (const auto& t : temps) remove_abandoned_temp(t);
  for (const auto& d : data) {
    if (state_of_data(d) != data_state::abandoned) continue;
    if (index_uses(dir / std::string(data_prefix(d.filename().string())), d)) std::filesystem::remove(d / in_progress_marker, ec);
    else std::filesystem::remove_all(d, ec);
  }
}
#else
SESSIONLIB_DECLARE data_state state_of_data(const std::filesystem::path& data_dir);
SESSIONLIB_DECLARE std::string_view data_prefix(std::string_view name);
SESSIONLIB_DECLARE bool index_uses(const std::filesystem::path& prefix, const std::filesystem::path& data_dir);
SESSIONLIB_DECLARE void sweep_abandoned(const std::filesystem::path& dir);
#endif

/// The data directory of a save in progress: `<prefix>.data-<n>`, created
/// under the directory lock with a locked marker inside. Destroyed before
/// commit(), it removes the directory; commit() removes the marker.
class pending_data {
 public:
  explicit pending_data(const std::filesystem::path& prefix) {
    const directory_lock directory = lock_checkpoint_directory(directory_of(prefix));
    const auto existing = data_dirs(prefix);
    std::size_t next = existing.empty() ? 0 : existing.back().first + 1;
    for (std::error_code ec;;) {
      dir_ = prefix;
      dir_ += ".data-" + std::to_string(next++);
      if (std::filesystem::create_directory(dir_, ec)) break;
      if (ec) throw_io("Failed to create", dir_, ec.value());
    }
    try {
      marker_ = file_lock::acquire(dir_ / in_progress_marker);
    } catch (...) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      throw;
    }
  }
  pending_data(const pending_data&) = delete;
  pending_data& operator=(const pending_data&) = delete;
  ~pending_data() {
    std::error_code ec;
    if (!committed_) std::filesystem::remove_all(dir_, ec);  // still locked: nobody else touches it
  }

  const std::filesystem::path& dir() const noexcept { return dir_; }
#if SESSIONLIB_DEFINITIONS
  /// Its index is in place: the data is a checkpoint's now.
  SESSIONLIB_INLINE void commit() noexcept {
    committed_ = true;
    std::error_code ec;
    std::filesystem::remove(dir_ / in_progress_marker, ec);
    marker_.release();
  }
#else
  SESSIONLIB_DECLARE void commit() noexcept;
#endif

 private:
  std::filesystem::path dir_;
  file_lock marker_;
  bool committed_ = false;
};
#endif  // SESSIONLIB_DEFINITIONS

#if SESSIONLIB_DEFINITIONS
/// Deletes the checkpoint at `prefix` unless a later save replaced its index
/// (then `index_text`, the index as written, differs and the later save's
/// Saver owns it). Data directories being written stay. Call it holding the
/// directory's lock.
SESSIONLIB_INLINE void retire_checkpoint(const std::filesystem::path& prefix, const std::string& index_text) {
  std::error_code ec;
  if (checkpoint_exists(prefix)) {
    std::string now;
    try {
      now = read_text_file(index_path(prefix));
    } catch (const error&) {
      return;
    }
    if (now != index_text) return;
    std::filesystem::remove(index_path(prefix), ec);  // first: the checkpoint is gone as a whole
  }
  for (const auto& [n, d] : data_dirs(prefix))
    if (state_of_data(d) != data_state::writing) std::filesystem::remove_all(d, ec);
}
#else
SESSIONLIB_DECLARE void retire_checkpoint(const std::filesystem::path& prefix, const std::string& index_text);
#endif

/// A std::mutex that a copy of its owner gets fresh.
struct fresh_mutex : std::mutex {
  fresh_mutex() = default;
  fresh_mutex(const fresh_mutex&) noexcept : std::mutex() {}
  fresh_mutex& operator=(const fresh_mutex&) noexcept { return *this; }
};

}  // namespace detail

/// A variable a Saver saves: any TensorLike standing for a variable (Variable,
/// or the tensor that reads it), or a variable's index in its graph.
struct saveable {
  Graph* graph;
  std::int32_t index;

  template <TensorLike V>
  saveable(const V& v) : graph(&as_tensor(v).graph()), index(variable_index(*graph, as_tensor(v).id().node)) {}  // NOLINT: implicit by design
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
  /// The graph whose variables it saves.
  Graph& graph() const noexcept { return *graph_; }
  /// The indices of the variables a save writes now, in order (for Saver(g):
  /// every variable of the graph). train::export_meta_graph lists them.
  std::vector<std::int32_t> variable_indices() const { return variables(); }
  /// The checkpoints this Saver wrote and still keeps, oldest first.
  std::deque<std::string> last_checkpoints() const {
    std::lock_guard self(mutex_);
    std::deque<std::string> paths;
    for (const auto& k : kept_) paths.push_back(k.path);
    return paths;
  }

#if SESSIONLIB_DEFINITIONS
  /// Saves the variables' values in `sess` to checkpoint `prefix` (with
  /// "-<global_step>" appended when given) and returns its path. The parent
  /// directory is created when missing. Uninitialised variables give
  /// sl::failed_precondition; a failure part-way leaves earlier checkpoints intact.
  /// Saves may run at once from many threads (one Saver or several) and
  /// processes, to one directory or one path: each commits whole, and a
  /// checkpoint a save returned stays until its Saver's max_to_keep retires it
  /// (or a later save to the same path replaces it). Each save also removes
  /// what killed saves left in the directory.
  /// Under the Session target "mpi" only rank 0 writes: every rank calls
  /// save, each gets rank 0's path (or its error) once the checkpoint is
  /// committed, and last_checkpoints() lists what rank 0 kept on rank 0 only.
  SESSIONLIB_INLINE std::string save(Session& sess, const std::string& prefix, std::optional<std::int64_t> global_step = std::nullopt) {
    check_session(sess);
    return sess.impl()->engine().write_checkpoint([&] { return write_checkpoint(sess, prefix, global_step); });
  }
#else
  SESSIONLIB_DECLARE std::string save(Session& sess, const std::string& prefix, std::optional<std::int64_t> global_step = std::nullopt);
#endif

  /// As save(sess, prefix, step), the step read from `global_step` in `sess`
  /// (an integer scalar, e.g. sl::train::create_global_step's variable).
  template <TensorLike G>
    requires std::is_integral_v<value_type_of<G>> && (shape_of<G>::rank() == 0)
  std::string save(Session& sess, const std::string& prefix, const G& global_step) {
    return save(sess, prefix, static_cast<std::int64_t>(sess.run(global_step)));
  }

 private:
#if SESSIONLIB_DEFINITIONS
  /// save's writing, on the process that writes (every process in process; rank 0 under MPI).
  SESSIONLIB_INLINE std::string write_checkpoint(Session& sess, const std::string& prefix, std::optional<std::int64_t> global_step) {
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
    detail::pending_data data(path);
    std::vector<checkpoint_entry> entries;
    std::vector<std::string> used;
    for (auto& [entry, value] : values) {
      std::string file = detail::npy_file_name(entry.name);
      for (int k = 1; std::find(used.begin(), used.end(), file) != used.end(); ++k) file = detail::npy_file_name(entry.name) + "_" + std::to_string(k);
      used.push_back(file);
      entry.file = data.dir().filename().string() + "/" + file + ".npy";
      entry.crc = detail::write_npy_atomic(data.dir() / (file + ".npy"), value);
      entries.push_back(entry);
    }
    detail::sync_directory(data.dir());

    // The commit, under this Saver's mutex (its list) and the directory's lock (the files).
    std::lock_guard self(mutex_);
    const detail::directory_lock directory = detail::lock_checkpoint_directory(detail::directory_of(path));
    detail::sweep_abandoned(detail::directory_of(path));
    write_checkpoint_index(path, entries);  // the commit point
    data.commit();
    std::error_code ec;
    for (const auto& [n, d] : detail::data_dirs(path))  // the replaced save's data, never one being written
      if (d != data.dir() && detail::state_of_data(d) != detail::data_state::writing) std::filesystem::remove_all(d, ec);

    const std::string saved = path.string();
    auto kept = kept_;
    std::erase_if(kept, [&](const kept_checkpoint& k) { return k.path == saved; });
    kept.push_back({saved, detail::read_text_file(detail::index_path(path))});
    std::vector<kept_checkpoint> dropped;
    while (max_to_keep_ && kept.size() > max_to_keep_) {
      dropped.push_back(std::move(kept.front()));
      kept.pop_front();
    }
    checkpoint_state state{saved, {}};
    for (const auto& k : kept) state.all_model_checkpoint_paths.push_back(k.path);
    update_checkpoint_state(dir, state);
    kept_ = std::move(kept);
    for (const auto& old : dropped) detail::retire_checkpoint(old.path, old.index_text);  // only once the state file no longer names them
    return saved;
  }
#else
  SESSIONLIB_DECLARE std::string write_checkpoint(Session& sess, const std::string& prefix, std::optional<std::int64_t> global_step);
#endif

 public:

#if SESSIONLIB_DEFINITIONS
  /// Restores the variables' values from the checkpoint at `path` into `sess`,
  /// marking them initialised there. Everything is read and verified before
  /// any variable changes: sl::not_found for a missing file or variable,
  /// sl::data_loss for damaged data, sl::invalid_argument for a dtype or shape
  /// that differs from the variable's.
  SESSIONLIB_INLINE void restore(Session& sess, const std::string& path) {
    check_session(sess);
    // A save to the same path may replace the index and delete the data it
    // named while this reads: a data file gone from under an index that has
    // changed since is read again from the new index.
    for (int attempt = 1;; ++attempt) {
      auto entries = read_checkpoint_index(path);
      try {
        return restore_entries(sess, path, entries);
      } catch (const not_found&) {
        if (attempt == 8 || same_files(read_checkpoint_index(path), entries)) throw;
      }
    }
  }
#else
  SESSIONLIB_DECLARE void restore(Session& sess, const std::string& path);
#endif

 private:
  static bool same_files(const std::vector<checkpoint_entry>& a, const std::vector<checkpoint_entry>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const checkpoint_entry& x, const checkpoint_entry& y) { return x.file == y.file && x.crc == y.crc; });
  }
#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE void restore_entries(Session& sess, const std::string& path, const std::vector<checkpoint_entry>& entries) {
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
#else
  SESSIONLIB_DECLARE void restore_entries(Session& sess, const std::string& path, const std::vector<checkpoint_entry>& entries);
#endif

  std::vector<std::int32_t> variables() const {
    if (!all_) return vars_;
    std::vector<std::int32_t> all(graph_->variable_count());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::int32_t>(i);
    return all;
  }
#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE void check_session(Session& sess) const {
    sess.impl()->check_open();
    if (&sess.graph() != graph_) throw invalid_argument("Saver: the session runs another graph than the Saver's");
  }
#else
  SESSIONLIB_DECLARE void check_session(Session& sess) const;
#endif

  Graph* graph_ = nullptr;
  std::size_t max_to_keep_ = 5;
  bool all_ = true;
  struct kept_checkpoint {
    std::string path;
    std::string index_text;  // the index as this Saver wrote it: retire it only while it is still that
  };

  std::vector<std::int32_t> vars_;
  mutable detail::fresh_mutex mutex_;  // guards kept_: one Saver may save from many threads
  std::deque<kept_checkpoint> kept_;
};

}  // namespace sessionlib::train

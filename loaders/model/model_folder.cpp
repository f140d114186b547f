#include "loaders/model/model_folder.h"

namespace vkllm::model {

ModelFolder open_model_folder(const std::filesystem::path& dir) {
  ModelFolder m{
      dir, load_model_config(dir), load_generation_config(dir), st::ModelFiles::open(dir), {}};
  // ModelFiles keeps its files in one heap buffer, so refs survive moving the folder.
  m.weights = check_weights(m.config, m.files);
  return m;
}

}  // namespace vkllm::model

#include "engine/vulkan/pipeline.h"

#include <unistd.h>
#include <cstdlib>

#include <fstream>
#include <vector>

#include "engine/base/log.h"
#include "shaders/shader_registry.h"

namespace vkllm::vk {

size_t PipelineKeyHash::operator()(const PipelineKey& k) const {
  size_t h = std::hash<uint32_t>()(uint32_t(k.shader));
  auto mix = [&h](uint32_t v) { h ^= std::hash<uint32_t>()(v) + 0x9e3779b9 + (h << 6) + (h >> 2); };
  mix(k.bindings);
  mix(k.workgroup);
  mix(k.required_subgroup);
  for (auto s : k.spec) mix(s);
  return h;
}

std::filesystem::path PipelineCache::cache_dir() {
  if (const char* d = std::getenv("VKLLM_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    return std::filesystem::path(x) / "vkllm";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".cache" / "vkllm";
  return std::filesystem::temp_directory_path() / "vkllm-cache";
}

PipelineCache::PipelineCache(VkDevice device, const DeviceInfo& info, bool persist)
    : device_(device), info_(info), persist_(persist) {
  std::vector<char> data;
  if (persist_) {
    file_ = cache_dir() / ("pipelines-" + info.uuid + ".bin");
    std::ifstream in(file_, std::ios::binary);
    if (in) data.assign(std::istreambuf_iterator<char>(in), {});
    // The driver checks the header (vendor, device, cache UUID) and ignores stale data;
    // we also drop anything shorter than a header.
    if (data.size() < 32) data.clear();
  }
  VkPipelineCacheCreateInfo ci{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  ci.initialDataSize = data.size();
  ci.pInitialData = data.empty() ? nullptr : data.data();
  if (vkCreatePipelineCache(device_, &ci, nullptr, &cache_) == VK_SUCCESS) {
    loaded_bytes_ = data.size();
  } else {
    ci.initialDataSize = 0;
    ci.pInitialData = nullptr;
    check(vkCreatePipelineCache(device_, &ci, nullptr, &cache_), "vkCreatePipelineCache");
  }
}

PipelineCache::~PipelineCache() {
  try {
    save();
  } catch (const std::exception& e) {
    spdlog::warn("pipeline cache: not saved: {}", e.what());
  }
  for (auto& [k, p] : pipelines_) vkDestroyPipeline(device_, p->pipeline, nullptr);
  for (auto& [id, m] : modules_) vkDestroyShaderModule(device_, m, nullptr);
  for (auto l : layouts_)
    if (l) vkDestroyPipelineLayout(device_, l, nullptr);
  for (auto l : set_layouts_)
    if (l) vkDestroyDescriptorSetLayout(device_, l, nullptr);
  if (cache_) vkDestroyPipelineCache(device_, cache_, nullptr);
}

void PipelineCache::save() {
  if (!persist_ || !cache_ || stats_.created == stats_.cache_hits) return;
  size_t size = 0;
  check(vkGetPipelineCacheData(device_, cache_, &size, nullptr), "vkGetPipelineCacheData");
  std::vector<char> data(size);
  check(vkGetPipelineCacheData(device_, cache_, &size, data.data()), "vkGetPipelineCacheData");
  std::error_code ec;
  std::filesystem::create_directories(file_.parent_path(), ec);
  // Write then rename, so a concurrent reader never sees half a file.
  auto tmp = file_;
  tmp += ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(data.data(), std::streamsize(size));
    if (!out) {
      spdlog::warn("pipeline cache: cannot write {}", tmp.string());
      return;
    }
  }
  std::filesystem::rename(tmp, file_, ec);
  if (ec) spdlog::warn("pipeline cache: cannot write {}: {}", file_.string(), ec.message());
}

VkPipelineLayout PipelineCache::layout(uint32_t bindings) {
  if (bindings > kMaxBindings) fail("pipeline: {} bindings, at most {}", bindings, kMaxBindings);
  if (layouts_[bindings]) return layouts_[bindings];
  std::vector<VkDescriptorSetLayoutBinding> b(bindings);
  for (uint32_t i = 0; i < bindings; ++i)
    b[i] = {i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
  VkDescriptorSetLayoutCreateInfo dl{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  dl.flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR;
  dl.bindingCount = bindings;
  dl.pBindings = b.data();
  check(vkCreateDescriptorSetLayout(device_, &dl, nullptr, &set_layouts_[bindings]),
        "vkCreateDescriptorSetLayout");
  VkPushConstantRange pc{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushConstantBytes};
  VkPipelineLayoutCreateInfo pl{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  pl.setLayoutCount = 1;
  pl.pSetLayouts = &set_layouts_[bindings];
  pl.pushConstantRangeCount = 1;
  pl.pPushConstantRanges = &pc;
  check(vkCreatePipelineLayout(device_, &pl, nullptr, &layouts_[bindings]),
        "vkCreatePipelineLayout");
  return layouts_[bindings];
}

const Pipeline& PipelineCache::get(const PipelineKey& key) {
  std::lock_guard lock(mutex_);
  if (auto it = pipelines_.find(key); it != pipelines_.end()) return *it->second;

  VkShaderModule& module = modules_[key.shader];
  if (!module) {
    auto spirv = shader_spirv(key.shader);
    VkShaderModuleCreateInfo mi{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    mi.codeSize = spirv.size() * sizeof(uint32_t);
    mi.pCode = spirv.data();
    check(vkCreateShaderModule(device_, &mi, nullptr, &module), "vkCreateShaderModule");
  }

  std::array<uint32_t, 9> values{};
  values[0] = key.workgroup;
  for (size_t i = 0; i < key.spec.size(); ++i) values[i + 1] = key.spec[i];
  std::array<VkSpecializationMapEntry, 9> entries{};
  for (uint32_t i = 0; i < entries.size(); ++i)
    entries[i] = {i, uint32_t(i * sizeof(uint32_t)), sizeof(uint32_t)};
  VkSpecializationInfo si{uint32_t(entries.size()), entries.data(), sizeof(values), values.data()};

  VkPipelineShaderStageRequiredSubgroupSizeCreateInfo sub{
      VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_REQUIRED_SUBGROUP_SIZE_CREATE_INFO};
  sub.requiredSubgroupSize = key.required_subgroup;

  VkComputePipelineCreateInfo ci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  ci.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  ci.stage.module = module;
  ci.stage.pName = "main";
  ci.stage.pSpecializationInfo = &si;
  if (key.required_subgroup) {
    if (!info_.subgroup_size_control)
      fail("pipeline {}: subgroup size {} required but the device has no subgroup size control",
           shader_name(key.shader), key.required_subgroup);
    ci.stage.pNext = &sub;
    ci.stage.flags = VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT;
  }
  ci.layout = layout(key.bindings);

  VkPipelineCreationFeedback fb{};
  VkPipelineCreationFeedbackCreateInfo fci{
      VK_STRUCTURE_TYPE_PIPELINE_CREATION_FEEDBACK_CREATE_INFO};
  fci.pPipelineCreationFeedback = &fb;
  if (info_.api_version >= VK_API_VERSION_1_3) ci.pNext = &fci;

  auto p = std::make_unique<Pipeline>();
  p->layout = ci.layout;
  p->bindings = key.bindings;
  p->workgroup = key.workgroup;
  check(vkCreateComputePipelines(device_, cache_, 1, &ci, nullptr, &p->pipeline),
        "vkCreateComputePipelines");
  ++stats_.created;
  if ((fb.flags & VK_PIPELINE_CREATION_FEEDBACK_VALID_BIT) &&
      (fb.flags & VK_PIPELINE_CREATION_FEEDBACK_APPLICATION_PIPELINE_CACHE_HIT_BIT))
    ++stats_.cache_hits;
  spdlog::debug("pipeline {} created ({})", shader_name(key.shader),
                (fb.flags & VK_PIPELINE_CREATION_FEEDBACK_APPLICATION_PIPELINE_CACHE_HIT_BIT)
                    ? "cache hit"
                    : "compiled");
  return *pipelines_.emplace(key, std::move(p)).first->second;
}

}  // namespace vkllm::vk

#include "engine/vulkan/instance.h"

#include <cstdlib>
#include <cstring>
#include <string_view>

#include "engine/base/log.h"

namespace vkllm::vk {

namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";
constexpr const char* kInstallAdvice =
    "install a Vulkan driver: on Debian/Ubuntu `apt-get install libvulkan1 mesa-vulkan-drivers` "
    "(CPU and AMD/Intel GPUs) or the NVIDIA driver; `vulkaninfo --summary` (package vulkan-tools) "
    "should then list a device";

bool has_layer(const char* name) {
  uint32_t n = 0;
  vkEnumerateInstanceLayerProperties(&n, nullptr);
  std::vector<VkLayerProperties> layers(n);
  vkEnumerateInstanceLayerProperties(&n, layers.data());
  for (auto& l : layers)
    if (std::strcmp(l.layerName, name) == 0) return true;
  return false;
}

bool has_extension(const char* name) {
  uint32_t n = 0;
  vkEnumerateInstanceExtensionProperties(nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> exts(n);
  vkEnumerateInstanceExtensionProperties(nullptr, &n, exts.data());
  for (auto& e : exts)
    if (std::strcmp(e.extensionName, name) == 0) return true;
  return false;
}

}  // namespace

const char* result_name(VkResult r) {
  switch (r) {
#define VKLLM_CASE(x) \
  case x:             \
    return #x;
    VKLLM_CASE(VK_SUCCESS)
    VKLLM_CASE(VK_NOT_READY)
    VKLLM_CASE(VK_TIMEOUT)
    VKLLM_CASE(VK_INCOMPLETE)
    VKLLM_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    VKLLM_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    VKLLM_CASE(VK_ERROR_INITIALIZATION_FAILED)
    VKLLM_CASE(VK_ERROR_DEVICE_LOST)
    VKLLM_CASE(VK_ERROR_MEMORY_MAP_FAILED)
    VKLLM_CASE(VK_ERROR_LAYER_NOT_PRESENT)
    VKLLM_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    VKLLM_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    VKLLM_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    VKLLM_CASE(VK_ERROR_TOO_MANY_OBJECTS)
    VKLLM_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
    VKLLM_CASE(VK_ERROR_FRAGMENTED_POOL)
    VKLLM_CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
    VKLLM_CASE(VK_ERROR_UNKNOWN)
#undef VKLLM_CASE
    default:
      return "VkResult(unknown)";
  }
}

bool Instance::validation_from_env() {
  const char* v = std::getenv("VKLLM_VALIDATION");
  return v && std::string_view(v) == "1";
}

Instance::Instance(InstanceOptions opts) {
  validation_ = opts.validation || validation_from_env();

  uint32_t api = 0;
  if (vkEnumerateInstanceVersion(&api) != VK_SUCCESS || api < VK_API_VERSION_1_2)
    fail("vulkan: the Vulkan loader supports only API {}.{}, vkllm needs 1.2; {}",
         VK_API_VERSION_MAJOR(api), VK_API_VERSION_MINOR(api), kInstallAdvice);

  std::vector<const char*> layers, extensions;
  if (validation_) {
    if (!has_layer(kValidationLayer))
      fail(
          "vulkan: validation requested but {} is not installed (apt-get install "
          "vulkan-validationlayers)",
          kValidationLayer);
    layers.push_back(kValidationLayer);
  }
  bool debug_utils = validation_ && has_extension(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  if (debug_utils) extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);

  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "vkllm";
  app.pEngineName = "vkllm";
  app.apiVersion = VK_API_VERSION_1_3 <= api ? VK_API_VERSION_1_3 : VK_API_VERSION_1_2;

  VkDebugUtilsMessengerCreateInfoEXT dbg{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
  dbg.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                        VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  dbg.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                    VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                    VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  dbg.pfnUserCallback = &Instance::on_message;
  dbg.pUserData = this;

  VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  ci.pApplicationInfo = &app;
  ci.enabledLayerCount = uint32_t(layers.size());
  ci.ppEnabledLayerNames = layers.data();
  ci.enabledExtensionCount = uint32_t(extensions.size());
  ci.ppEnabledExtensionNames = extensions.data();
  if (debug_utils) ci.pNext = &dbg;

  VkResult r = vkCreateInstance(&ci, nullptr, &instance_);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER) fail("vulkan: no Vulkan driver found; {}", kInstallAdvice);
  check(r, "vkCreateInstance");

  if (debug_utils) {
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkCreateDebugUtilsMessengerEXT"));
    if (create)
      check(create(instance_, &dbg, nullptr, &messenger_), "vkCreateDebugUtilsMessengerEXT");
  }

  uint32_t n = 0;
  r = vkEnumeratePhysicalDevices(instance_, &n, nullptr);
  if (r == VK_ERROR_INITIALIZATION_FAILED || n == 0) {
    vkDestroyInstance(instance_, nullptr);
    instance_ = VK_NULL_HANDLE;
    fail("vulkan: no Vulkan device found; {}", kInstallAdvice);
  }
  physical_.resize(n);
  check(vkEnumeratePhysicalDevices(instance_, &n, physical_.data()), "vkEnumeratePhysicalDevices");
  physical_.resize(n);
}

Instance::~Instance() {
  if (messenger_) {
    auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
    if (destroy) destroy(instance_, messenger_, nullptr);
  }
  if (instance_) vkDestroyInstance(instance_, nullptr);
}

VKAPI_ATTR VkBool32 VKAPI_CALL Instance::on_message(
    VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT,
    const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
  auto* self = static_cast<Instance*>(user);
  self->messages_.fetch_add(1);
  const char* msg = data && data->pMessage ? data->pMessage : "(no message)";
  if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)
    spdlog::error("vulkan validation: {}", msg);
  else
    spdlog::warn("vulkan validation: {}", msg);
  return VK_FALSE;
}

}  // namespace vkllm::vk

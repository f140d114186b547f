#version 450
// Streaming copy of 16-byte words in a grid-stride loop.
layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push { uint n16; } p;
layout(binding = 0) readonly buffer A { uvec4 a[]; };
layout(binding = 1) writeonly buffer D { uvec4 d[]; };

void main() {
  uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < p.n16; i += stride) d[i] = a[i];
}

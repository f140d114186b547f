#version 450
// Streaming read: every thread reads 16-byte words in a grid-stride loop. The
// sum is written only when it equals a value it never has, so no load is dropped.
layout(local_size_x_id = 0) in;
layout(push_constant) uniform Push { uint n16; } p;  // number of 16-byte words
layout(binding = 0) readonly buffer A { uvec4 a[]; };
layout(binding = 1) writeonly buffer D { uint d[]; };

void main() {
  uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  uvec4 acc = uvec4(0);
  for (uint i = gl_GlobalInvocationID.x; i < p.n16; i += stride) acc ^= a[i];
  uint s = acc.x ^ acc.y ^ acc.z ^ acc.w;
  if (s == 0x9e3779b9u) d[0] = s;
}

// The linear workgroup index of a 2D launch (engine/kernels/dispatch.h grid_for).
uint linear_workgroup() { return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x; }

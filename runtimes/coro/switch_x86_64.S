/* switch_x86_64.S — the coro runtime's context switch, x86-64 System V.
 *
 * void rt_coro_switch(void **from_sp, void **to_sp)
 * void *rt_coro_switch_arg(void **from_sp, void **to_sp, void *arg): the same
 * code, returning arg in the context it resumes (see switch.h)
 *
 * A switch is an ordinary call, so the compiler already saved every
 * caller-saved register: only what the ABI says a callee must preserve is
 * kept here (rbx, rbp, r12-r15, rsp, the return address the call pushed)
 * plus the two FP control words, which are per-thread state under the ABI
 * (MXCSR's rounding and exception masks, the x87 control word) and so must
 * follow their context. 8 pushes/pops, two stack-pointer moves, no syscall:
 * the signal mask is not switched (that is what makes swapcontext cost a
 * system call per switch).
 *
 * The FP words are most of what the switch costs beyond the registers: a
 * copy of this switch in a two-context loop on one CPU of a 2-vCPU AMD
 * EPYC VM (2026-12-02) took 5.7 ns a switch, 3.9 without them, 5.4 with
 * both saved and neither restored: stmxcsr alone is about 1.5 ns.
 * Boost.Context's jump_fcontext saves and restores the same two words.
 * Restoring them only when they differ was slower (7.5 ns): the compare
 * reads back what stmxcsr has just stored, and waits for it.
 *
 * Saved frame, low to high address (rt_ctx_make_asm builds the same one):
 *   [mxcsr:4 fcw:2 pad:2] r15 r14 r13 r12 rbx rbp [return address]
 */
#if defined(__x86_64__)
	.text
	.globl	rt_coro_switch
	.type	rt_coro_switch, @function
	.globl	rt_coro_switch_arg
	.type	rt_coro_switch_arg, @function
	.p2align 4
rt_coro_switch:
rt_coro_switch_arg:
	.cfi_startproc
	/* The CFI keeps debugger and profiler backtraces whole: both stacks
	 * hold the same frame layout, so it stays true across the swap. */
	/* The switcher's arg, returned to whoever it resumes: in a register,
	 * so the resumed side need not wait for the pops below (switch.h). */
	movq	%rdx, %rax
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset rbp, 0
	pushq	%rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset rbx, 0
	pushq	%r12
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r12, 0
	pushq	%r13
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r13, 0
	pushq	%r14
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r14, 0
	pushq	%r15
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r15, 0
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movq	%rsp, (%rdi)
	movq	(%rsi), %rsp
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	popq	%r15
	.cfi_adjust_cfa_offset -8
	popq	%r14
	.cfi_adjust_cfa_offset -8
	popq	%r13
	.cfi_adjust_cfa_offset -8
	popq	%r12
	.cfi_adjust_cfa_offset -8
	popq	%rbx
	.cfi_adjust_cfa_offset -8
	popq	%rbp
	.cfi_adjust_cfa_offset -8
	/* `ret`, not Boost.Context's pop + indirect jmp, on measurement (2-vCPU
	 * AMD EPYC VM, one CPU). The return-stack predictor guesses the return
	 * address pushed by the call into this switch. When both sides switch
	 * from the same call site (coroutines handing over to each other in
	 * coro.c's co_park) that guess is right and the stack stays balanced.
	 * A jmp leaves that entry unpopped, so every later return mispredicts:
	 * coro's pingpong took ~20 ns of CPU per switch with it, ~16 with ret.
	 * Only when the sides switch from different call sites (a scheduler and
	 * a coroutine, or a two-function micro-benchmark) does ret mispredict
	 * where the indirect jmp does not (~21 against ~10 ns there). */
	ret
	.cfi_endproc
	.size	rt_coro_switch, .-rt_coro_switch
	.size	rt_coro_switch_arg, .-rt_coro_switch_arg

/* A fresh context's first switch returns here with rsp 16-byte aligned,
 * r12 = arg and r13 = fn. The fiber function never returns; if it did,
 * ud2 traps instead of running off into whatever follows. */
	.globl	rt_coro_trampoline
	.type	rt_coro_trampoline, @function
	.p2align 4
rt_coro_trampoline:
	.cfi_startproc
	.cfi_undefined rip	/* the bottom of this stack: unwinders stop here */
	movq	%r12, %rdi
	call	*%r13
	ud2
	.cfi_endproc
	.size	rt_coro_trampoline, .-rt_coro_trampoline
#endif
	.section .note.GNU-stack,"",%progbits

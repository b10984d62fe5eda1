// Questions asked in one turn of the event loop, answered together: a decision's lookups are asked
// by several facts (or, in a batch, several decisions) at once, and one statement answering them
// all costs far less than one each. answer() gets every question of the turn, in the order asked,
// and returns one answer each; if it fails, every question of the turn fails with it.
export function askedTogether<Q, A>(answer: (questions: Q[]) => Promise<A[]>): (question: Q) => Promise<A> {
  let pending: { question: Q; resolve(answer: A): void; reject(error: unknown): void }[] = []
  async function flush(): Promise<void> {
    const asks = pending
    pending = []
    try {
      const answers = await answer(asks.map((a) => a.question))
      for (const [i, ask] of asks.entries()) ask.resolve(answers[i] as A)
    } catch (error) {
      for (const ask of asks) ask.reject(error)
    }
  }
  return (question) =>
    new Promise<A>((resolve, reject) => {
      pending.push({ question, resolve, reject })
      // after this turn's other callbacks, so the questions they ask join too
      if (pending.length === 1) setImmediate(() => void flush())
    })
}

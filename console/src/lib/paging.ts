// A list the admin API serves a page at a time (keyset cursors): the first page follows the
// filters; "Load more" appends the next pages by cursor until there is none.
import { type Accessor, createResource, createSignal } from 'solid-js'

export function createPagedList<Search, Page extends { next_cursor: string | null }, Row>(
  filters: Accessor<Search>,
  fetchPage: (search: Search, cursor: string | null) => Promise<Page>,
  rowsOf: (page: Page) => Row[],
  /** called with each first page as it arrives, before it is shown */
  onFirstPage?: (page: Page) => void,
) {
  const [more, setMore] = createSignal<Row[]>([])
  const [cursor, setCursor] = createSignal<string | null>(null)
  const [loadingMore, setLoadingMore] = createSignal(false)
  const [firstPage, { refetch }] = createResource(filters, (search) =>
    fetchPage(search, null).then((page) => {
      setMore([])
      setCursor(page.next_cursor)
      onFirstPage?.(page)
      return page
    }),
  )
  const loadMore = async () => {
    const next = cursor()
    if (!next) return
    setLoadingMore(true)
    try {
      const page = await fetchPage(filters(), next)
      setMore((rows) => [...rows, ...rowsOf(page)])
      setCursor(page.next_cursor)
    } finally {
      setLoadingMore(false)
    }
  }
  return { firstPage, refetch, more, cursor, loadingMore, loadMore }
}

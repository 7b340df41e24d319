import { Link } from 'react-router';

import { buttonClass } from './button';

interface PaginationProps {
  page: number;
  perPage: number;
  total: number;
  /** The link to another page, e.g. `?page=3`. */
  hrefFor: (page: number) => string;
}

export function Pagination({ page, perPage, total, hrefFor }: PaginationProps) {
  const pages = Math.max(1, Math.ceil(total / Math.max(1, perPage)));
  if (pages <= 1) return null;
  return (
    <nav className="pagination" aria-label="Pagination">
      {page > 1 ? (
        <Link className={buttonClass('secondary', 'sm')} to={hrefFor(page - 1)} rel="prev" aria-label="Previous page">
          Previous
        </Link>
      ) : (
        <span className={`${buttonClass('secondary', 'sm')} is-disabled`} aria-hidden="true">
          Previous
        </span>
      )}
      <span className="pagination__status" aria-current="page">
        Page {page} of {pages}
      </span>
      {page < pages ? (
        <Link className={buttonClass('secondary', 'sm')} to={hrefFor(page + 1)} rel="next" aria-label="Next page">
          Next
        </Link>
      ) : (
        <span className={`${buttonClass('secondary', 'sm')} is-disabled`} aria-hidden="true">
          Next
        </span>
      )}
    </nav>
  );
}

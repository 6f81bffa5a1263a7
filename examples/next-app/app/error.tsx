'use client';

/** Shown when a page fails, e.g. when the session database is down (the session view fails closed). */
export default function ErrorPage({ reset }: { error: Error; reset: () => void }) {
  return (
    <>
      <h1>Something went wrong</h1>
      <div className="card error" role="alert">
        <p>The page could not load your session; the database may be unavailable. Try again in a moment.</p>
        <div className="actions">
          <button type="button" onClick={reset}>
            Try again
          </button>
        </div>
      </div>
    </>
  );
}

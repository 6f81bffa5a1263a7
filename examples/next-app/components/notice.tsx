import type { Notice as NoticeData } from '@/lib/notices';

/** A confirmation (read out politely) or an error (announced at once); nothing without one. */
export function Notice({ notice }: { notice: NoticeData | undefined }) {
  if (!notice) return null;
  return (
    <div
      className={`card ${notice.kind}`}
      role={notice.kind === 'error' ? 'alert' : 'status'}
      data-testid={notice.kind}
    >
      {notice.text}
    </div>
  );
}

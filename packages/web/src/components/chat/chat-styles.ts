/** The small icon buttons under a message. */
export const actionButtonClass =
  'icon-btn size-7 disabled:pointer-events-none disabled:opacity-40 [&_svg]:size-3.5';

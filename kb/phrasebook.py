"""The vocabulary and sentence patterns of the benchmark corpus (kb.corpus).

Written for this project, every phrase fictional: titles, organisation name parts, per theme
what a cooperative did, why and what came of it, the patterns that frame those phrases,
Q&A lines, generic sentences, tags, and the spellings different authors use for one word.
"""

from __future__ import annotations

TITLES = [
    "{org}による{label}の取組",
    "{org}における{label}への挑戦",
    "{pref}の{org}が進める{label}",
    "{label}に取り組む{org}の事例",
]

# Organisation name parts: {place}{trade}{suffix}
TRADES = [
    "鋳物工業", "印刷工業", "製麺", "生コンクリート", "電気工事業", "管工事業", "タオル工業",
    "眼鏡枠製造", "漆器", "清酒製造", "水産加工業", "青果卸売", "家具製造", "木材", "繊維",
    "自動車整備", "トラック事業", "タクシー", "クリーニング業", "理容", "美容", "旅館業",
    "観光土産品", "菓子製造", "茶業", "酪農", "造船関連", "精密機械工業", "金属プレス",
    "めっき工業", "ソフトウェア事業", "介護事業", "建設業", "測量設計業", "商店街", "卸売団地",
]  # fmt: skip
PLACES = ["東部", "西部", "南部", "北部", "中央", "湾岸", "山間", "市内", "県北", "県南", "〇〇"]

# Per theme: what the cooperative did (action), why (issue), what came of it (result).
_THEME_LINES = """
dx/action: 受発注システムをクラウドで共同利用する仕組みを整えた
dx/action: 紙の伝票を廃止してペーパーレス化を進めた
dx/action: RPAで請求書の入力作業を自動化した
dx/action: 共同サーバーを更新して組合員の販売データを一元管理した
dx/action: ＤＸ推進の勉強会を毎月開催した
dx/action: デジタルトランスフォーメーションの方針を理事会で決めた
dx/issue: 電話とファクスによる受注が多く、転記ミスが絶えなかった
dx/issue: ITに詳しい人材が組合員にほとんどいなかった
dx/result: 受注処理の時間が約４割短縮した
dx/result: 組合員の事務作業が月２０時間ほど減った
gx/action: 工場の照明をLEDに切り替え、CO2排出量を算定した
gx/action: 屋根に太陽光発電設備を共同で設置した
gx/action: 省エネ診断を組合員全社で受診した
gx/action: 再生可能エネルギーの共同調達を検討した
gx/action: カーボンニュートラルに向けた行動計画を策定した
gx/issue: 燃料費と電力料金の高騰が経営を圧迫していた
gx/issue: 取引先から温室効果ガスの削減目標を求められた
gx/result: 電力使用量が前年比で約１２％減った
gx/result: 年間のCO2排出量を約３００トン削減できた
price-pass-through/action: 原価計算シートを作って価格交渉の資料づくりを支援した
price-pass-through/action: 価格交渉促進月間に合わせて勉強会を開いた
price-pass-through/action: 労務費の上昇分を示す根拠資料を共同で作成した
price-pass-through/action: 取引先がパートナーシップ構築宣言を出しているか確認した
price-pass-through/issue: 原材料費の上昇分を取引価格に転嫁できていなかった
price-pass-through/issue: 取引先に値上げを切り出せない組合員が多かった
price-pass-through/result: 組合員の７割が取引先と価格改定に合意した
price-pass-through/result: 平均で約５％の価格転嫁が実現した
sdgs/action: 組合としてＳＤＧｓ宣言を策定した
sdgs/action: 持続可能な開発目標に沿って事業を見直した
sdgs/action: 廃材のリサイクルを組合で共同化した
sdgs/action: エシカル消費を訴求する商品を開発した
sdgs/issue: 若い人材の採用で環境への取組を問われることが増えた
sdgs/issue: 取引先からサステナビリティへの対応を求められた
sdgs/result: 採用説明会への参加者が倍増した
sdgs/result: 組合員１５社がSDGs宣言を公表した
succession/action: 組合員の事業承継ヒアリングを実施した
succession/action: 後継者のいない組合員と第三者承継の候補をつないだ
succession/action: 事業承継・引継ぎ支援センターと連携して相談会を開いた
succession/action: 親族内承継に向けた計画づくりを支援した
succession/issue: 経営者の平均年齢が６８歳を超え、後継者不足が深刻だった
succession/issue: 廃業を考える組合員が毎年出ていた
succession/result: ３社で後継者への事業の引継ぎが完了した
succession/result: 廃業予定だった工場がM&Aで存続した
restructuring/action: 新分野展開として介護向け商品の製造を始めた
restructuring/action: 業態転換により店舗販売から宅配中心に切り替えた
restructuring/action: 事業再構築補助金を活用して新工場を整備した
restructuring/action: 新市場進出に向けて試作品を共同開発した
restructuring/issue: 主力製品の需要が長期的に減少していた
restructuring/issue: コロナ禍で売上が半減した組合員が多かった
restructuring/result: 新事業の売上が全体の３割を占めるまでになった
restructuring/result: 参加した組合員の売上が前年を上回った
productivity/action: 共同で省力化設備を導入し、生産性向上に取り組んだ
productivity/action: 工程を見直して５Ｓ活動を組合全体で進めた
productivity/action: 業務効率化のために共同配送を始めた
productivity/action: 付加価値額を高めるため製品の高付加価値化を図った
productivity/issue: 人手に頼る工程が多く、残業が常態化していた
productivity/issue: 組合員ごとに設備が古く、不良率が高かった
productivity/result: 労働生産性が約１５％向上した
productivity/result: 出荷までのリードタイムが２日短縮した
bcp/action: 組合員と連携してBCPを策定した
bcp/action: 事業継続計画に基づく防災訓練を年２回実施した
bcp/action: 事業継続力強化計画の認定を受け、非常用発電機を共同で備えた
bcp/action: 災害時の相互支援協定を結んだ
bcp/issue: 豪雨による浸水で操業が止まった経験があった
bcp/issue: 大規模地震への備えが組合員ごとにまちまちだった
bcp/result: 災害時に３日以内で操業を再開できる体制ができた
bcp/result: 防災訓練に全組合員が参加した
labor/action: 特定技能の外国人材の受入れ体制を整えた
labor/action: 共同採用サイトを開設して人材確保に取り組んだ
labor/action: 働き方改革として週休２日制を導入した
labor/action: 賃上げの原資を確保するため経営計画を見直した
labor/action: 若手向けの人材育成研修を共同で開催した
labor/issue: 人手不足で受注を断る組合員が増えていた
labor/issue: 若手の離職率が高く、技能の継承が進まなかった
labor/result: 新卒の採用が３年連続で目標を上回った
labor/result: 離職率が前年の半分に下がった
export/action: 海外商談会に組合として共同出展した
export/action: 越境ECサイトで海外向け販売を始めた
export/action: ジェトロの支援を受けて輸出先の規制を調べた
export/action: 海外販路開拓のため多言語の商品カタログを作成した
export/issue: 国内市場の縮小で新たな販路が必要だった
export/issue: 個社では輸出の手続きに対応できなかった
export/result: 東南アジア３か国への輸出が始まった
export/result: 海外向けの売上が年間８千万円に達した
regional/action: 商店街活性化のため共同イベントを開催した
regional/action: インバウンド対応として多言語の案内板を整備した
regional/action: 地域資源を活かした土産品を共同で開発した
regional/action: まちづくり会社と連携して空き店舗を活用した
regional/issue: 人口減少で地域の購買力が落ちていた
regional/issue: 観光客が通過するだけで地域にお金が落ちなかった
regional/result: イベント当日の来街者が約２倍になった
regional/result: 空き店舗のうち５件に新規出店があった
startup/action: 発起人会を重ねて新たに事業協同組合を設立した
startup/action: 企業組合による創業を中央会が支援した
startup/action: 設立認可の申請書類の作成を支援した
startup/action: 設立総会の運営と定款づくりを支援した
startup/issue: 個人事業者だけでは共同購入や共同受注ができなかった
startup/issue: 地域で新しい仕事をつくる担い手が必要だった
startup/result: 組合の設立が認可され、初年度から黒字となった
startup/result: 組合員が設立時の８者から１４者に増えた
invoice/action: インボイス制度への対応説明会を開催した
invoice/action: 適格請求書発行事業者の登録を組合員ごとに確認した
invoice/action: 免税事業者との取引条件の見直しを助言した
invoice/action: 電子帳簿保存法に対応した会計ソフトを共同導入した
invoice/issue: 免税事業者の組合員が登録すべきか迷っていた
invoice/issue: 共同販売事業で誰が請求書を交付するのか不明確だった
invoice/result: 全組合員が制度開始までに対応方針を決めた
invoice/result: 請求書の発行事務が組合で一本化された
"""


def _theme_text(lines: str) -> dict[str, tuple[list[str], list[str], list[str]]]:
    parts: dict[str, dict[str, list[str]]] = {}
    for line in lines.strip().splitlines():
        key, _, phrase = line.partition(": ")
        theme, part = key.split("/")
        parts.setdefault(theme, {}).setdefault(part, []).append(phrase)
    return {t: (p["action"], p["issue"], p["result"]) for t, p in parts.items()}


THEME_TEXT = _theme_text(_THEME_LINES)

OPENINGS = [
    "{org}は、{pref}で{trade}を営む中小企業{n}社で構成される組合である。",
    "{org}の組合員は{n}社で、多くが家族経営の小規模事業者である。",
    "{pref}の{trade}は地域の主要産業の一つであり、{org}はその中核を担ってきた。",
]
ACTION_PATTERNS = [
    "組合では{action}。",
    "{year}年度から{action}。",
    "中央会の指導員と相談しながら、{action}。",
    "まず理事会で方針を決め、{action}。",
    "{program}を活用して、{action}。",
    "取組にあたっては月１回の打合せを重ね、{action}。",
]
ISSUE_PATTERNS = [
    "当時、{issue}。",
    "組合のアンケートでは、{issue}という声が多かった。",
    "{issue}ことが課題であった。",
]
RESULT_PATTERNS = [
    "その結果、{result}。",
    "{year}年度末の時点で、{result}。",
    "組合員からは「{result}」との声があった。",
]
FUTURE_PATTERNS = [
    "今後は取組を他の組合員にも広げていく。",
    "成果を継続するため、担当者の育成が課題である。",
    "次年度は効果の検証と仕組みの見直しを行う予定である。",
    "費用負担の在り方について組合内で引き続き検討する。",
]
QUESTIONS = [
    "{topic}について、組合としてどのように進めればよいか。",
    "組合員から{topic}の相談を受けた。どう助言すべきか。",
]
ANSWERS = [
    "まず組合員の実情を把握することが大切です。",
    "中央会の専門家派遣を活用する方法があります。",
    "他県の組合の事例も参考になります。",
    "理事会で方針を決めてから組合員に周知しましょう。",
    "費用の負担割合は総会で決めておくと後の混乱を防げます。",
]
GENERIC = [
    "組合員の意見を集めるため、全社を対象にアンケートを行った。",
    "事務局の職員２名が中心となり、組合員を個別に訪問した。",
    "{pref}中小企業団体中央会の指導員が計画づくりから伴走した。",
    "総会で取組の目的と費用の負担について説明し、了承を得た。",
    "先行する他県の組合を視察し、進め方を参考にした。",
    "青年部が中心となって若手の意見を取り入れた。",
    "{year}年度の事業計画に位置づけ、予算を確保した。",
    "参加しなかった組合員にも結果を報告し、次の参加を呼びかけた。",
]

TAGS = [
    "共同受注", "共同購買", "共同配送", "共同販売", "人材育成", "青年部", "女性部", "専門家派遣",
    "組合員アンケート", "勉強会", "視察", "総会", "理事会", "補助金活用", "地域連携", "伝統産業",
]  # fmt: skip

# How authors spell the same thing: the generator picks one spelling per case.
VARIANTS = [
    ("取組", ["取組", "取り組み", "取組み"]),
    ("打合せ", ["打合せ", "打ち合わせ", "打合わせ"]),
    ("申込", ["申込", "申し込み", "申込み"]),
    ("サーバー", ["サーバー", "サーバ"]),
    ("コンピューター", ["コンピューター", "コンピュータ"]),
    ("BCP", ["BCP", "ＢＣＰ", "事業継続計画（BCP）"]),
    ("ＤＸ", ["ＤＸ", "DX", "デジタルトランスフォーメーション"]),
    ("省エネ", ["省エネ", "省エネルギー"]),
    ("人手不足", ["人手不足", "人材不足", "担い手不足"]),
    ("M&A", ["M&A", "Ｍ＆Ａ", "合併・買収"]),
]
